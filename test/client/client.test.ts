// The SDK against peers that misbehave: a real WebSocket server on loopback that answers the
// login and then falls silent, and the reference server replacing a device.
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { ConnectionClosedError, PresenceClient, PresenceRequestError, RequestTimeoutError } from "../../src/client/index.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { SPEC_LIMITS } from "../../src/protocol/index.js";
import { eventually, sdkClient, startServer } from "../e2e/harness.js";
import type { PresenceServer } from "../../src/server/server.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A server that accepts the login, announcing `heartbeatIntervalMs`, then never answers again. */
async function silentServer(heartbeatIntervalMs: number): Promise<{ url: string; logins: () => number }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  let logins = 0;
  wss.on("connection", (socket) => {
    socket.once("message", (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      logins++;
      socket.send(encodeFrame({ requestId: frame.requestId, body: { $case: "loginResponse", value: { limits: { ...SPEC_LIMITS, heartbeatIntervalMs }, serverTimeMs: 0n, selfStatus: undefined, deviceId: "d", friendStatuses: [] } } }));
    });
  });
  closers.push(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(resolve); }));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, logins: () => logins };
}

function track(client: PresenceClient): PresenceClient {
  closers.push(() => client.close());
  return client;
}

describe("PresenceClient", () => {
  it("fails a request with RequestTimeoutError when no answer comes", async () => {
    const server = await silentServer(60_000);
    const client = track(new PresenceClient({ url: server.url, userId: "a", token: "t", requestTimeoutMs: 150, reconnect: false }));
    await client.login();
    await expect(client.setSelfStatus("x")).rejects.toBeInstanceOf(RequestTimeoutError);
  });

  it("declares a link dead when a ping gets no answer, and reconnects with a new login", async () => {
    const server = await silentServer(100);
    const client = track(new PresenceClient({ url: server.url, userId: "a", token: "t", reconnect: { initialDelayMs: 20, maxDelayMs: 50 } }));
    const errors: unknown[] = [];
    client.onError((error) => errors.push(error));
    await client.login();
    await eventually(() => (server.logins() >= 2 ? true : undefined), 5000, "a second login");
    expect(errors.some((error) => error instanceof ConnectionClosedError)).toBe(true);
  });

  it("logs an undecodable frame at error level and closes the socket with 1002", async () => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((resolve) => wss.once("listening", resolve));
    closers.push(() => new Promise((resolve) => wss.close(resolve)));
    const closed = new Promise<number>((resolve) =>
      wss.on("connection", (socket) => {
        socket.once("message", (data: Buffer) => {
          const { requestId } = decodeFrame(new Uint8Array(data));
          socket.send(encodeFrame({ requestId, body: { $case: "loginResponse", value: { limits: undefined, serverTimeMs: 0n, selfStatus: undefined, deviceId: "d", friendStatuses: [] } } }));
          socket.send(Uint8Array.from([0x0f])); // wire type 7 does not exist
        });
        socket.once("close", resolve);
      }),
    );
    const errors: [string, string][] = [];
    const logger = { error: (message: string) => errors.push(["error", message]), warn: (message: string) => errors.push(["warn", message]) };
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const client = track(new PresenceClient({ url, userId: "a", token: "t", reconnect: false, logger }));
    await client.login();
    expect(await closed).toBe(1002);
    expect(errors).toEqual([["error", expect.stringContaining("wire type 7")]]);
    // console is a logger too.
    expect(() => new PresenceClient({ url, userId: "a", token: "t", logger: console, logLevel: "error" })).not.toThrow();
  });

  it("rejects calls before login with ConnectionClosedError", async () => {
    const client = new PresenceClient({ url: "ws://127.0.0.1:9", userId: "a", token: "t", reconnect: false });
    await expect(client.getUserStatus(["b"])).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("rejects login with ConnectionClosedError when nothing listens", async () => {
    const client = new PresenceClient({ url: "ws://127.0.0.1:9", userId: "a", token: "t", reconnect: false });
    await expect(client.login()).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(client.state).toBe("closed");
  });

  describe("against the reference server", () => {
    let server: PresenceServer;
    const start = async () => {
      server = await startServer();
      closers.push(() => server.close());
    };

    it("stops, without reconnecting, when another connection with its device id replaces it", async () => {
      await start();
      const first = track(sdkClient(server, "alice", { deviceId: "same", reconnect: { initialDelayMs: 10, maxDelayMs: 20 } }));
      const errors: unknown[] = [];
      first.onError((error) => errors.push(error));
      await first.login();
      const second = track(sdkClient(server, "alice", { deviceId: "same" }));
      await second.login();
      await eventually(() => (first.state === "closed" ? true : undefined), 5000, "the first client to stop");
      expect(errors).toContainEqual(expect.objectContaining({ code: ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(second.state).toBe("online");
      expect((await server.engine.statusOf("alice"))?.onlineDevices.map((d) => d.deviceId)).toEqual(["same"]);
    });

    it("delivers each user's changes in version order, ending at the current version", async () => {
      await start();
      const bob = track(sdkClient(server, "bob"));
      const alice = track(sdkClient(server, "alice"));
      await alice.login();
      await bob.login();
      await bob.subscribeUserStatus(["alice"]);
      const seen: bigint[] = [];
      bob.onUserStatusChanged((statuses) => seen.push(...statuses.map((s) => s.version)));
      await alice.setSelfStatus("one");
      await alice.setSelfStatus("two");
      await eventually(() => (seen.length >= 2 ? true : undefined), 5000, "two notifications");
      expect(seen).toEqual([...seen].sort((a, b) => (a < b ? -1 : 1)));
      const latest = (await bob.getUserStatus(["alice"])).statuses[0]!;
      expect(latest.version).toBe(seen.at(-1));
    });

    it("surfaces the server's refusal as PresenceRequestError with the spec's code", async () => {
      await start();
      const alice = track(sdkClient(server, "alice"));
      await alice.login();
      const failure = await alice.subscribeUserStatus(["alice"]).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(PresenceRequestError);
      expect(failure).toMatchObject({ code: ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF, request: "subscribeUserStatusRequest" });
    });
  });
});
