// The SDK's view of other users across reconnects, restarts, epochs and missed changes, over
// real sockets: the reference server where it can play the part, a scripted WebSocket server
// where it cannot (epochs, a server that lost the session).
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { UserStatus, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import type { LogFields, PresenceClient, PresenceClientOptions } from "../../src/client/index.js";
import { PresenceClient as Client } from "../../src/client/index.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { errorFrame } from "../../src/protocol/index.js";
import type { PresenceServer, ServerOptions } from "../../src/server/server.js";
import { eventually, sdkClient, startServer } from "../e2e/harness.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function server(options: ServerOptions = {}): Promise<PresenceServer> {
  const started = await startServer(options);
  closers.push(() => started.close());
  return started;
}

function track(client: PresenceClient): PresenceClient {
  closers.push(() => client.close());
  return client;
}

/** Every status the client passes on, and the body kind of every request it sends. */
function observe(options: Partial<PresenceClientOptions> = {}): { options: Partial<PresenceClientOptions>; seen: UserStatus[]; sent: string[]; watch(client: PresenceClient): PresenceClient } {
  const seen: UserStatus[] = [];
  const sent: string[] = [];
  const logger = { debug: (message: string, fields?: LogFields) => message === "presence: sent" && sent.push(String(fields?.body)) };
  return {
    options: { ...options, logger, logLevel: "debug" },
    seen,
    sent,
    watch(client) {
      client.onUserStatusChanged((statuses) => seen.push(...statuses));
      return track(client);
    },
  };
}

const versionsOf = (seen: UserStatus[], userId: string) => seen.filter((s) => s.userId === userId).map((s) => s.version);

describe("the SDK's view of other users, against the reference server", () => {
  it("keeps versions across a reconnect: the re-subscription does not deliver what was seen again", async () => {
    const started = await server();
    const sockets: WebSocket[] = [];
    class TrackedSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        sockets.push(this);
      }
    }
    const bobView = observe({ webSocket: TrackedSocket, reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const bob = bobView.watch(sdkClient(started, "bob", bobView.options));
    const alice = track(sdkClient(started, "alice"));
    await alice.login();
    await bob.login();
    await bob.subscribeUserStatus(["alice"]);
    await alice.setSelfStatus("here");
    await eventually(() => (versionsOf(bobView.seen, "alice").includes(2n) ? true : undefined), 5000, "bob to see v2");

    sockets.at(-1)!.terminate(); // the network drops bob's connection
    await eventually(() => (bobView.sent.filter((kind) => kind === "subscribeUserStatusRequest").length === 2 && bob.state === "online" ? true : undefined), 5000, "bob re-subscribed");
    await bob.getUserStatus(["alice"]); // a round trip after the re-subscription's answer
    expect(versionsOf(bobView.seen, "alice")).toEqual([2n]);
    expect(bob.latestStatus("alice")?.customStatus).toBe("here");
  });

  it("forgets versions when the server restarted (the login's own version went back), so a restarted server's statuses count", async () => {
    const first = await server({ users: ["alice"] });
    const bobView = observe({ reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    const bob = bobView.watch(sdkClient(first, "bob", bobView.options));
    const alice = sdkClient(first, "alice");
    await alice.login();
    await bob.login();
    await bob.subscribeUserStatus(["alice"]);
    await alice.setSelfStatus("one");
    await alice.setSelfStatus("two");
    await eventually(() => (versionsOf(bobView.seen, "alice").includes(3n) ? true : undefined), 5000, "bob to see v3");
    alice.close();
    await first.close();

    const second = await server({ port: first.port, users: ["alice"] });
    await eventually(() => (bob.state === "online" ? true : undefined), 10_000, "bob online again");
    await eventually(async () => ((await second.engine.subscriptionsOf("bob")).includes("alice") ? true : undefined), 5000, "re-subscribed");
    const again = track(sdkClient(second, "alice"));
    await again.login(); // version 1 on the restarted server
    await eventually(() => (bob.latestStatus("alice")?.version === 1n ? true : undefined), 5000, "alice v1 at bob");
    expect(bob.latestStatus("alice")?.statusType).toBe(UserStatusType.USER_STATUS_TYPE_ONLINE);
  });

  it("learns its friends' current statuses from the login answer, before login() resolves (friend auto-notification on)", async () => {
    const started = await server({ app: { plan: "basic", friendAutoNotify: true }, friends: { alice: ["bob"] } });
    const alice = track(sdkClient(started, "alice"));
    await alice.login();
    await alice.setSelfStatus("hello");
    const bobView = observe();
    const bob = bobView.watch(sdkClient(started, "bob", bobView.options));
    const login = await bob.login();
    expect(login.friendStatuses.map((s) => s.customStatus)).toEqual(["hello"]);
    expect(bobView.seen.map((s) => [s.userId, s.version])).toEqual([["alice", 2n]]);
    expect(bob.latestStatus("alice")?.customStatus).toBe("hello");
  });

  it("passes on a notification that skipped versions as the user's state, and queries nothing", async () => {
    const started = await server();
    const bobView = observe();
    const bob = bobView.watch(sdkClient(started, "bob", bobView.options));
    const alice = track(sdkClient(started, "alice"));
    await alice.login();
    await bob.login();
    await bob.subscribeUserStatus(["alice"]);
    await started.engine.updateSwitches({ featureEnabled: false });
    await alice.setSelfStatus("missed"); // v2, not pushed to bob
    await started.engine.updateSwitches({ featureEnabled: true });
    await alice.setSelfStatus("seen"); // v3: bob knows v1
    await eventually(() => (bob.latestStatus("alice")?.version === 3n ? true : undefined), 5000, "alice v3 at bob");
    await bob.getUserStatus(["bob"]); // a round trip: a query sent on the jump would have been sent by now
    expect(versionsOf(bobView.seen, "alice")).toEqual([3n]);
    expect(bob.latestStatus("alice")?.customStatus).toBe("seen");
    expect(bobView.sent.filter((kind) => kind === "getUserStatusRequest")).toHaveLength(1); // its own
  });
});

/** A WebSocket server that logs every client in with `self` and lets the test push and answer frames. */
async function scriptedServer(answer: (frame: Frame, socket: WebSocket) => void): Promise<{ url: string; sockets: WebSocket[]; received: Frame[] }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => wss.once("listening", resolve));
  const sockets: WebSocket[] = [];
  const received: Frame[] = [];
  wss.on("connection", (socket) => {
    sockets.push(socket);
    socket.on("message", (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      received.push(frame);
      answer(frame, socket);
    });
  });
  closers.push(() => new Promise((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(resolve); }));
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, sockets, received };
}

function loginAnswer(frame: Frame, self: UserStatus): Uint8Array {
  return encodeFrame({ requestId: frame.requestId, body: { $case: "loginResponse", value: { limits: undefined, serverTimeMs: 0n, selfStatus: self, deviceId: "d", friendStatuses: [] } } });
}

const push = (socket: WebSocket, statuses: UserStatus[]) => socket.send(encodeFrame({ requestId: 0, body: { $case: "userStatusChanged", value: { statuses } } }));

describe("the SDK against a scripted server", () => {
  it("lets a status of another epoch replace the one kept, whatever its version", async () => {
    const scripted = await scriptedServer((frame, socket) => {
      if (frame.body?.$case === "loginRequest") socket.send(loginAnswer(frame, UserStatus.fromPartial({ userId: "me", version: 1n, epoch: 7n })));
    });
    const view = observe();
    const client = view.watch(new Client({ url: scripted.url, userId: "me", token: "t", reconnect: false, ...view.options }));
    await client.login();
    const bob = (version: bigint, epoch: bigint, customStatus: string) => UserStatus.fromPartial({ userId: "bob", version, epoch, customStatus });
    push(scripted.sockets[0]!, [bob(9n, 7n, "nine")]);
    push(scripted.sockets[0]!, [bob(8n, 7n, "stale")]);
    push(scripted.sockets[0]!, [bob(1n, 8n, "new epoch")]);
    push(scripted.sockets[0]!, [bob(2n, 8n, "two")]);
    await eventually(() => (client.latestStatus("bob")?.customStatus === "two" ? true : undefined), 5000, "the new epoch's v2");
    expect(view.seen.map((s) => s.customStatus)).toEqual(["nine", "new epoch", "two"]);
  });

  it("passes on a push whose version jumps, and sends no query", async () => {
    const bob = (version: bigint) => UserStatus.fromPartial({ userId: "bob", version, customStatus: `v${version}` });
    const scripted = await scriptedServer((frame, socket) => {
      if (frame.body?.$case === "loginRequest") {
        socket.send(loginAnswer(frame, UserStatus.fromPartial({ userId: "me", version: 1n })));
        push(socket, [bob(1n)]);
        push(socket, [bob(3n)]); // v2 superseded before it was sent
      }
      if (frame.body?.$case === "getUserStatusRequest") {
        socket.send(encodeFrame({ requestId: frame.requestId, body: { $case: "getUserStatusResponse", value: { statuses: [], errors: [] } } }));
      }
    });
    const view = observe();
    const client = view.watch(new Client({ url: scripted.url, userId: "me", token: "t", reconnect: false, ...view.options }));
    await client.login();
    await eventually(() => (client.latestStatus("bob")?.version === 3n ? true : undefined), 5000, "bob v3");
    await client.getUserStatus(["me"]); // a round trip: a query sent on the jump would have arrived first
    expect(view.seen.map((s) => s.version)).toEqual([1n, 3n]);
    const queries = scripted.received.flatMap((f) => (f.body?.$case === "getUserStatusRequest" ? [f.body.value.userIds] : []));
    expect(queries).toEqual([["me"]]);
  });

  it("holds a push that overtakes the login answer until the answer shows whether the state started afresh", async () => {
    const status = (userId: string, version: bigint) => UserStatus.fromPartial({ userId, version, customStatus: `v${version}` });
    const scripted = await scriptedServer((frame, socket) => {
      if (frame.body?.$case !== "loginRequest") return;
      if (scripted.sockets.length === 1) {
        push(socket, [status("bob", 4n)]);
        socket.send(loginAnswer(frame, status("me", 5n)));
        return;
      }
      // A restarted server without epochs: bob's change is pushed before the login answer.
      push(socket, [status("bob", 1n)]);
      socket.send(loginAnswer(frame, status("me", 1n)));
    });
    const view = observe({ reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const client = view.watch(new Client({ url: scripted.url, userId: "me", token: "t", ...view.options }));
    await client.login();
    await eventually(() => (client.latestStatus("bob")?.version === 4n ? true : undefined), 5000, "bob v4");
    scripted.sockets[0]!.terminate();
    await eventually(() => (client.latestStatus("me")?.version === 1n && client.state === "online" ? true : undefined), 5000, "the re-login");
    expect(client.latestStatus("bob")?.version).toBe(1n);
    // The first login's own status went to login()'s caller; the reconnect's, to the listeners.
    expect(view.seen.map((s) => [s.userId, s.version])).toEqual([["bob", 4n], ["me", 1n], ["bob", 1n]]);
  });

  it("passes on the statuses a re-subscription brings after a reconnect, once, when their push follows the answer", async () => {
    const bob = (version: bigint) => UserStatus.fromPartial({ userId: "bob", version, customStatus: `v${version}` });
    const scripted = await scriptedServer((frame, socket) => {
      const again = scripted.sockets.length > 1;
      const body = frame.body;
      if (body?.$case === "loginRequest") socket.send(loginAnswer(frame, UserStatus.fromPartial({ userId: "me", version: again ? 3n : 1n })));
      else if (body?.$case === "getUserStatusRequest") {
        socket.send(encodeFrame({ requestId: frame.requestId, body: { $case: "getUserStatusResponse", value: { statuses: [], errors: [] } } }));
      } else if (body?.$case === "subscribeUserStatusRequest") {
        // Bob changed while the client was away, or while this request ran: the answer carries v2.
        const value = { statuses: [bob(again ? 2n : 1n)], evictedUserIds: [], errors: [] };
        socket.send(encodeFrame({ requestId: frame.requestId, body: { $case: "subscribeUserStatusResponse", value } }));
      }
    });
    const view = observe({ reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const client = view.watch(new Client({ url: scripted.url, userId: "me", token: "t", ...view.options }));
    await client.login();
    await client.subscribeUserStatus(["bob"]); // its answer goes to the caller, not the listeners
    scripted.sockets[0]!.terminate();
    await eventually(() => (client.latestStatus("bob")?.version === 2n ? true : undefined), 5000, "the re-subscription's answer");
    push(scripted.sockets[1]!, [bob(2n)]); // the change's push, after the answer
    await client.getUserStatus(["me"]); // a round trip: the push has arrived by its answer
    expect(view.seen.map((s) => [s.userId, s.version])).toEqual([["me", 3n], ["bob", 2n]]); // me v3: the reconnect's login
  });

  it("logs in again on the same connection and resends the request when the server answers NOT_LOGGED_IN", async () => {
    let refused = false;
    const scripted = await scriptedServer((frame, socket) => {
      const body = frame.body;
      if (body?.$case === "loginRequest") socket.send(loginAnswer(frame, UserStatus.fromPartial({ userId: "me", version: 1n })));
      else if (body?.$case === "setSelfStatusRequest" && !refused) {
        refused = true; // the server lost the session, e.g. a node restarted behind a proxy that kept the socket
        socket.send(encodeFrame(errorFrame(frame.requestId, ErrorCode.ERROR_CODE_NOT_LOGGED_IN, "log in first")));
      } else if (body?.$case === "setSelfStatusRequest") {
        const status = UserStatus.fromPartial({ userId: "me", version: 3n, customStatus: body.value.customStatus });
        socket.send(encodeFrame({ requestId: frame.requestId, body: { $case: "setSelfStatusResponse", value: { status } } }));
      }
    });
    const client = track(new Client({ url: scripted.url, userId: "me", token: "t", reconnect: false }));
    await client.login();
    const status = await client.setSelfStatus("back");
    expect(status.customStatus).toBe("back");
    expect(scripted.received.map((f) => f.body?.$case)).toEqual(["loginRequest", "setSelfStatusRequest", "loginRequest", "setSelfStatusRequest"]);
    expect(scripted.sockets).toHaveLength(1);
  });
});
