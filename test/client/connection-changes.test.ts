// What the SDK tells about its connection, against the reference server over real
// sockets: state changes with their reason, close code, attempt and next delay; its
// log; and an immediate reconnect when a browser reports the network back.
import { afterEach, describe, expect, it } from "vitest";
import type { ConnectionChange, LogFields, LogLevel, PresenceClient } from "../../src/client/index.js";
import type { PresenceServer } from "../../src/server/server.js";
import { eventually, sdkClient, startServer } from "../e2e/harness.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function server(port = 0): Promise<PresenceServer> {
  const started = await startServer({ port });
  closers.push(() => started.close());
  return started;
}

function track(client: PresenceClient): PresenceClient {
  closers.push(() => client.close());
  return client;
}

/** Every change the client reports, through both listeners. */
function changesOf(client: PresenceClient): { changes: ConnectionChange[]; states: string[] } {
  const changes: ConnectionChange[] = [];
  const states: string[] = [];
  client.onConnectionChanged((change) => changes.push(change));
  // The listener of old, taking only the state, still works.
  client.onStateChanged((state) => states.push(state));
  return { changes, states };
}

describe("connection changes", () => {
  it("tell the reason, the close code, the attempt and the delay before it", async () => {
    const first = await server();
    // Attempts 200 ms apart: the first comes after the old server has stopped listening.
    const bob = track(sdkClient(first, "bob", { reconnect: { initialDelayMs: 400, maxDelayMs: 400 }, random: () => 0.5 }));
    const { changes, states } = changesOf(bob);
    await bob.login();
    await first.close();
    await eventually(() => changes.find((change) => change.reason === "reconnect-failed"), 5000, "a failed attempt");
    const second = await server(first.port);
    await eventually(() => (bob.state === "online" ? true : undefined), 5000, "online again");
    expect((await second.engine.statusOf("bob"))?.onlineDevices).toHaveLength(1);
    bob.close();

    expect(changes[0]).toMatchObject({ state: "connecting", previous: "idle", reason: "connect", attempt: 0 });
    expect(changes[1]).toMatchObject({ state: "online", previous: "connecting", reason: "logged-in", attempt: 0 });
    // The server shut down: close 1001, and the first attempt after half of the 400 ms ceiling.
    expect(changes[2]).toMatchObject({ state: "reconnecting", previous: "online", reason: "socket-closed", closeCode: 1001, attempt: 1, nextDelayMs: 200 });
    expect(changes[3]).toMatchObject({ state: "reconnecting", previous: "reconnecting", reason: "reconnect-failed", attempt: 2, nextDelayMs: 200 });
    expect(changes[3]!.error?.name).toBe("ConnectionClosedError");
    const online = changes.findLast((change) => change.state === "online")!;
    expect(online).toMatchObject({ previous: "reconnecting", reason: "logged-in" });
    expect(online.attempt).toBeGreaterThanOrEqual(2);
    expect(changes.at(-1)).toMatchObject({ state: "closed", previous: "online", reason: "client-closed" });
    expect(states).toEqual(["connecting", "online", "reconnecting", "online", "closed"]);
  });

  it("tell why a login failed, and that a replaced device stopped", async () => {
    const presence = await server();
    const refused = track(sdkClient(presence, "alice", { token: "not-a-token" }));
    const { changes: refusedChanges } = changesOf(refused);
    await expect(refused.login()).rejects.toMatchObject({ name: "PresenceRequestError" });
    expect(refusedChanges.at(-1)).toMatchObject({ state: "closed", reason: "connect-failed", error: { name: "PresenceRequestError" } });

    const first = track(sdkClient(presence, "alice", { deviceId: "same", reconnect: { initialDelayMs: 10, maxDelayMs: 20 } }));
    const { changes } = changesOf(first);
    await first.login();
    await track(sdkClient(presence, "alice", { deviceId: "same" })).login();
    const stopped = await eventually(() => changes.find((change) => change.state === "closed"), 5000, "the first client to stop");
    expect(stopped).toMatchObject({ reason: "stopped", closeCode: 1008, error: { code: 72112 } });
  });

  it("after a logout is a client close with the server's normal close code", async () => {
    const bob = track(sdkClient(await server(), "bob"));
    const { changes } = changesOf(bob);
    await bob.login();
    await bob.logout();
    expect(changes.at(-1)).toMatchObject({ state: "closed", reason: "client-closed" });
    expect([undefined, 1000]).toContain(changes.at(-1)!.closeCode);
  });
});

describe("the logger option", () => {
  it("logs state changes at info and frames at debug, only at or above logLevel", async () => {
    const presence = await server();
    const lines = (level?: LogLevel) => {
      const written: [LogLevel, string, LogFields | undefined][] = [];
      const write = (at: LogLevel) => (message: string, fields?: LogFields) => written.push([at, message, fields]);
      const client = track(sdkClient(presence, "bob", { logger: { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") }, logLevel: level }));
      return { client, written };
    };
    const atInfo = lines();
    await atInfo.client.login();
    atInfo.client.close();
    expect(atInfo.written).toEqual([
      ["info", "presence: connecting", { reason: "connect", attempt: 0 }],
      ["info", "presence: online", { reason: "logged-in", attempt: 0 }],
      ["info", "presence: closed", { reason: "client-closed", attempt: 0 }],
    ]);

    const atDebug = lines("debug");
    await atDebug.client.login();
    atDebug.client.close();
    expect(atDebug.written).toContainEqual(["debug", "presence: sent", { requestId: 2, body: "loginRequest" }]);
    expect(atDebug.written).toContainEqual(["debug", "presence: received", { requestId: 2, body: "loginResponse" }]);
  });
});

describe("a browser's online event", () => {
  // Node has no online event; a browser's global scope is an EventTarget that has.
  function browserLikeGlobal(): { scope: EventTarget; removed: string[] } {
    const scope = new EventTarget();
    const removed: string[] = [];
    globalThis.addEventListener = scope.addEventListener.bind(scope);
    globalThis.removeEventListener = (type: string, listener: EventListenerOrEventListenerObject | null) => {
      removed.push(type);
      scope.removeEventListener(type, listener);
    };
    closers.push(() => {
      Reflect.deleteProperty(globalThis, "addEventListener");
      Reflect.deleteProperty(globalThis, "removeEventListener");
    });
    return { scope, removed };
  }

  it("starts the next reconnect attempt at once instead of after the backoff", async () => {
    const { scope } = browserLikeGlobal();
    const first = await server();
    const bob = track(sdkClient(first, "bob", { reconnect: { initialDelayMs: 60_000, maxDelayMs: 60_000 }, random: () => 0.99 }));
    const { changes } = changesOf(bob);
    await bob.login();
    await first.close();
    await eventually(() => changes.find((change) => change.state === "reconnecting"), 5000, "reconnecting");
    expect(changes.at(-1)!.nextDelayMs).toBeGreaterThan(50_000);
    await server(first.port);
    scope.dispatchEvent(new Event("online"));
    await eventually(() => (bob.state === "online" ? true : undefined), 5000, "online at once");
    expect(changes.find((change) => change.reason === "network-online")).toMatchObject({ state: "reconnecting", nextDelayMs: 0, attempt: 1 });
  });

  it("is watched from login until the client closes", async () => {
    const { removed } = browserLikeGlobal();
    const bob = track(sdkClient(await server(), "bob"));
    await bob.login();
    expect(removed).toEqual([]);
    bob.close();
    expect(removed).toEqual(["online"]);
  });
});
