// Admission over real sockets: a full node refuses the upgrade at once and
// still answers /healthz.
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { RESERVED_DESCRIPTORS, connectionLimit } from "../../src/server/admission.js";
import type { PresenceServer } from "../../src/server/server.js";
import { RawPeer, eventually, startServer } from "./harness.js";

const servers: PresenceServer[] = [];
const peers: RawPeer[] = [];

afterEach(async () => {
  for (const peer of peers.splice(0)) peer.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server(options: Parameters<typeof startServer>[0]): Promise<PresenceServer> {
  const started = await startServer(options);
  servers.push(started);
  return started;
}

async function peer(on: PresenceServer): Promise<RawPeer> {
  const opened = await RawPeer.open(on.url);
  peers.push(opened);
  return opened;
}

const healthUrl = (s: PresenceServer) => s.url.replace("ws://", "http://").replace("/presence", "/healthz");

/** The HTTP answer to an upgrade the server refuses, or "open" when it accepts. */
function upgrade(url: string): Promise<{ status: number; retryAfter: string | undefined } | "open"> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once("open", () => {
      socket.terminate();
      resolve("open");
    });
    socket.once("unexpected-response", (_request, response) => {
      resolve({ status: response.statusCode ?? 0, retryAfter: response.headers["retry-after"] });
      socket.terminate();
    });
    socket.once("error", reject);
  });
}

describe("admission", () => {
  it("derives the maximum from the descriptor limit, keeping a reserve", () => {
    expect(connectionLimit(0, 20_000)).toBe(20_000 - RESERVED_DESCRIPTORS);
    expect(connectionLimit(100, 20_000)).toBe(100);
    expect(connectionLimit(50_000, 20_000)).toBe(20_000 - RESERVED_DESCRIPTORS);
    expect(connectionLimit(0, undefined)).toBe(Infinity);
    expect(connectionLimit(7, undefined)).toBe(7);
  });

  it("refuses the upgrade past the maximum with 503 and Retry-After, and /healthz answers full", async () => {
    const s = await server({ maxConnections: 2 });
    const first = await peer(s);
    await peer(s);
    expect(await upgrade(s.url)).toEqual({ status: 503, retryAfter: "5" });

    const health = await fetch(healthUrl(s));
    expect(health.status).toBe(503);
    expect(health.headers.get("retry-after")).toBe("5");
    expect(await health.json()).toMatchObject({ status: "full", connections: 2, maxConnections: 2 });

    first.close();
    await eventually(() => (s.connectionCount < 2 ? true : undefined));
    expect(await upgrade(s.url)).toBe("open");
    await eventually(async () => ((await fetch(healthUrl(s))).status === 200 ? true : undefined), 5000, "/healthz ok");
  });

  it("the sessions it holds go on while it is full", async () => {
    const s = await server({ maxConnections: 1 });
    const alice = await peer(s);
    await alice.login("alice");
    expect(await upgrade(s.url)).toMatchObject({ status: 503 });
    const pong = await alice.request({ $case: "ping", value: { clientTimeMs: 1n } });
    expect(pong.body?.$case).toBe("pong");
  });
});
