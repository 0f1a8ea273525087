// Admission and load shedding over real sockets: a full node refuses the
// upgrade at once and still answers /healthz; an overloaded one refuses new
// logins and queries with a retry hint and keeps serving the sessions it holds.
import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { RESERVED_DESCRIPTORS, connectionLimit } from "../../src/server/admission.js";
import type { PresenceServer } from "../../src/server/server.js";
import { RawPeer, errorOf, eventually, startServer, tokenFor } from "./harness.js";

const servers: PresenceServer[] = [];
const peers: RawPeer[] = [];
let spinner: NodeJS.Timeout | undefined;

afterEach(async () => {
  clearInterval(spinner);
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
    expect(await health.json()).toMatchObject({ status: "full", connections: 2, maxConnections: 2, shedding: false });

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

describe("load shedding", () => {
  /** Keeps this process's event loop (the server's) late by ~150 ms every 200 ms. */
  function overload(): void {
    spinner = setInterval(() => {
      const until = performance.now() + 150;
      while (performance.now() < until);
    }, 200);
  }

  it("refuses logins and queries with 72114 and a retry hint while the loop lags, and serves pings; then recovers", async () => {
    const s = await server({ maxEventLoopLagMs: 50 });
    const alice = await peer(s);
    await alice.login("alice");
    const newcomer = await peer(s);
    overload();
    await eventually(async () => ((await (await fetch(healthUrl(s))).json()) as { shedding: boolean }).shedding || undefined, 10_000, "shedding");

    const login = errorOf(await newcomer.login("bob"));
    expect(login.code).toBe(ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE);
    expect(login.retryAfterMs).toBeGreaterThan(0);
    const query = errorOf(await alice.request({ $case: "getUserStatusRequest", value: { userIds: ["alice"] } }));
    expect(query.code).toBe(ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE);
    expect((await alice.request({ $case: "ping", value: { clientTimeMs: 1n } })).body?.$case).toBe("pong");
    expect((await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "busy" } })).body?.$case).toBe("setSelfStatusResponse");

    clearInterval(spinner);
    // The refused login may be sent again on the same connection once the node keeps time.
    const retried = await eventually(async () => {
      const answer = await newcomer.request({ $case: "loginRequest", value: { userId: "bob", token: tokenFor("bob"), platform: Platform.PLATFORM_LINUX, deviceId: "raw", clientVersion: "e2e" } });
      return answer.body?.$case === "loginResponse" ? answer : undefined;
    }, 10_000, "a login after recovery");
    expect(retried.body?.$case).toBe("loginResponse");
    expect(newcomer.closeCode).toBeUndefined();
  });

  it("answers in order: a refusal never overtakes the answer to an earlier request", async () => {
    const s = await server({ maxEventLoopLagMs: 50 });
    const alice = await peer(s);
    await alice.login("alice");
    overload();
    await eventually(async () => ((await (await fetch(healthUrl(s))).json()) as { shedding: boolean }).shedding || undefined, 10_000, "shedding");
    const subscribe = alice.sendFrame({ $case: "subscribeUserStatusRequest", value: { userIds: ["carol"] } });
    const query = alice.sendFrame({ $case: "getUserStatusRequest", value: { userIds: ["alice"] } });
    await alice.response(query);
    const order = alice.frames.map((f) => f.requestId).filter((id) => id === subscribe || id === query);
    expect(order).toEqual([subscribe, query]);
  });
});
