// End-to-end: the reference server on a loopback port, real WebSockets, the SDK and raw peers.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { PresenceRequestError, type PresenceClient } from "../../src/client/index.js";
import { encodeFrame } from "../../src/codec/messages.js";
import type { PresenceServer } from "../../src/server/server.js";
import { createToken } from "../../src/token/token.js";
import { RawPeer, SECRET, errorOf, eventually, sdkClient, startServer, tokenFor } from "./harness.js";

const servers: PresenceServer[] = [];
const clients: PresenceClient[] = [];
const peers: RawPeer[] = [];

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<PresenceServer> {
  const started = await startServer(options);
  servers.push(started);
  return started;
}

function client(on: PresenceServer, userId: string, options: Parameters<typeof sdkClient>[2] = {}): PresenceClient {
  const created = sdkClient(on, userId, options);
  clients.push(created);
  return created;
}

async function peer(on: PresenceServer): Promise<RawPeer> {
  const opened = await RawPeer.open(on.url);
  peers.push(opened);
  return opened;
}

function collect(of: PresenceClient): UserStatus[] {
  const seen: UserStatus[] = [];
  of.onUserStatusChanged((statuses) => seen.push(...statuses));
  return seen;
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of peers.splice(0)) p.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("every operation over a real socket", () => {
  it("logs in, sets status, queries, subscribes, unsubscribes and logs out", async () => {
    const s = await server();
    const alice = client(s, "alice");
    const bob = client(s, "bob");
    const login = await alice.login();
    expect(login.limits?.heartbeatTimeoutMs).toBe(400_000);
    expect(login.selfStatus?.statusType).toBe(UserStatusType.USER_STATUS_TYPE_ONLINE);
    await bob.login();
    const bobSees = collect(bob);

    const subscribed = await bob.subscribeUserStatus(["alice"]);
    expect(subscribed.statuses.map((st) => [st.userId, st.statusType])).toEqual([["alice", UserStatusType.USER_STATUS_TYPE_ONLINE]]);

    const set = await alice.setSelfStatus("在开会 📅");
    expect(set.customStatus).toBe("在开会 📅");
    await eventually(() => bobSees.find((st) => st.customStatus === "在开会 📅"), 5000, "bob's notification");

    const queried = await bob.getUserStatus(["alice", "ghost"]);
    expect(queried.statuses.map((st) => st.userId)).toEqual(["alice"]);
    expect(queried.errors).toEqual([expect.objectContaining({ userId: "ghost", code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND })]);

    const removed = await bob.unsubscribeUserStatus(["alice"]);
    expect(removed.removedUserIds).toEqual(["alice"]);

    await alice.logout();
    expect(alice.state).toBe("closed");
    const after = await bob.getUserStatus(["alice"]);
    expect(after.statuses[0]).toMatchObject({ statusType: UserStatusType.USER_STATUS_TYPE_UNLOGINED, customStatus: "" });
  });

  it("answers the health endpoint", async () => {
    const s = await server();
    const response = await fetch(s.url.replace("ws://", "http://").replace("/presence", "/healthz"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", protocol: "presence.v1" });
  });
});

describe("plan, switch and limits", () => {
  it("answers 72001 when the feature switch is off, while self queries still work", async () => {
    const s = await server({ app: { featureEnabled: false } });
    const alice = client(s, "alice");
    await alice.login();
    await expect(alice.getUserStatus(["bob"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_FEATURE_DISABLED });
    await expect(alice.subscribeUserStatus(["bob"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_FEATURE_DISABLED });
    const self = await alice.getUserStatus(["alice"]);
    expect(self.statuses[0]?.statusType).toBe(UserStatusType.USER_STATUS_TYPE_ONLINE);
    expect((await alice.setSelfStatus("ok")).customStatus).toBe("ok");
  });

  it("requires the premium plan for queries of others and subscriptions", async () => {
    const s = await server({ app: { plan: "basic" } });
    const alice = client(s, "alice");
    await alice.login();
    await expect(alice.getUserStatus(["bob"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED });
    await expect(alice.unsubscribeUserStatus()).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED });
  });

  it("rejects 501 ids in one query with 70206, and the SDK splits 501 into allowed calls", async () => {
    const s = await server({ users: ids("u", 501) });
    const raw = await peer(s);
    await raw.login("alice");
    const refused = await raw.request({ $case: "getUserStatusRequest", value: { userIds: ids("u", 501) } });
    expect(errorOf(refused).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);

    const alice = client(s, "alice2");
    await alice.login();
    const all = await alice.getUserStatus(ids("u", 501));
    expect(all.statuses).toHaveLength(501);
    expect(all.statuses.every((st) => st.statusType === UserStatusType.USER_STATUS_TYPE_UNLOGINED)).toBe(true);
  });

  it("rejects 101 ids in one subscribe with 70206", async () => {
    const s = await server({ users: ids("u", 101) });
    const raw = await peer(s);
    await raw.login("alice");
    const refused = await raw.request({ $case: "subscribeUserStatusRequest", value: { userIds: ids("u", 101) } });
    expect(errorOf(refused).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
  });

  it("refuses subscribing to yourself with 72102", async () => {
    const s = await server();
    const alice = client(s, "alice");
    await alice.login();
    await expect(alice.subscribeUserStatus(["alice"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF });
  });

  it("evicts the earliest subscription at the 201st and names it", async () => {
    const s = await server({ users: ids("u", 201) });
    const alice = client(s, "alice");
    await alice.login();
    const first = await alice.subscribeUserStatus(ids("u", 200));
    expect(first.evictedUserIds).toEqual([]);
    const next = await alice.subscribeUserStatus(["u200"]);
    expect(next.evictedUserIds).toEqual(["u0"]);
    expect(await s.engine.subscriptionsOf("alice")).toHaveLength(200);
    expect(alice.subscribedUserIds).not.toContain("u0");
  });

  it("answers the 21st request in 5 s with -20009 and a retry-after", async () => {
    const s = await server();
    const raw = await peer(s);
    await raw.login("alice");
    const answers: Frame[] = [];
    for (let i = 0; i < 21; i++) answers.push(await raw.request({ $case: "getUserStatusRequest", value: { userIds: ["bob", "alice"] } }));
    expect(answers.slice(0, 20).every((f) => f.body?.$case === "getUserStatusResponse")).toBe(true);
    const limited = errorOf(answers[20]!);
    expect(limited.code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
    expect(limited.retryAfterMs).toBeGreaterThan(0);
    expect(limited.retryAfterMs).toBeLessThanOrEqual(5000);
  });

  it("lets the SDK wait out the rate limit instead of failing", async () => {
    const s = await server({ app: { limits: { rateLimitRequests: 2, rateLimitWindowMs: 300 } } });
    const alice = client(s, "alice");
    await alice.login();
    expect(alice.limits.rateLimitRequests).toBe(2);
    const started = Date.now();
    for (let i = 0; i < 5; i++) await alice.getUserStatus(["alice", "bob"]);
    // 5 calls at 2 per 300 ms cannot finish sooner than two windows.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it("rejects a custom status over 100 bytes with 70402", async () => {
    const s = await server();
    const alice = client(s, "alice");
    await alice.login();
    await expect(alice.setSelfStatus("界".repeat(34))).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS });
    expect((await alice.setSelfStatus("界".repeat(33) + "a")).customStatus).toHaveLength(34);
  });
});

describe("connection rules", () => {
  it("refuses a bad token with 72104 and closes the connection", async () => {
    const s = await server();
    const raw = await peer(s);
    const answer = await raw.login("alice", createToken({ userId: "alice", expiresAtMs: Date.now() + 60_000 }, "another-secret-0123456789"));
    expect(errorOf(answer).code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(await raw.closed()).toBe(1008);
  });

  it("refuses another user's token and an expired token", async () => {
    const s = await server();
    const impostor = await peer(s);
    expect(errorOf(await impostor.login("alice", tokenFor("mallory"))).code).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    const late = await peer(s);
    expect(errorOf(await late.login("alice", tokenFor("alice", -1))).code).toBe(ErrorCode.ERROR_CODE_TOKEN_EXPIRED);
    await expect(client(s, "alice", { token: tokenFor("alice", -1) }).login()).rejects.toBeInstanceOf(PresenceRequestError);
  });

  it("answers requests before login with 72103 and keeps the connection", async () => {
    const s = await server();
    const raw = await peer(s);
    const answer = await raw.request({ $case: "getUserStatusRequest", value: { userIds: ["bob"] } });
    expect(errorOf(answer).code).toBe(ErrorCode.ERROR_CODE_NOT_LOGGED_IN);
    expect((await raw.login("alice")).body?.$case).toBe("loginResponse");
  });

  it("closes a connection that does not log in within the login timeout", async () => {
    const s = await server({ app: { limits: { loginTimeoutMs: 200 } } });
    const raw = await peer(s);
    const pushed = await raw.push((f) => f.body?.$case === "error");
    expect(errorOf(pushed).code).toBe(ErrorCode.ERROR_CODE_LOGIN_TIMEOUT);
    await raw.closed();
  });

  it("answers garbage bytes with 72107, closes only that connection", async () => {
    const s = await server();
    const bystander = client(s, "bob");
    await bystander.login();
    const raw = await peer(s);
    raw.sendBytes(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    const pushed = await raw.push((f) => f.body?.$case === "error");
    expect(errorOf(pushed).code).toBe(ErrorCode.ERROR_CODE_MALFORMED_FRAME);
    expect(await raw.closed()).toBe(1002);
    expect((await bystander.getUserStatus(["bob"])).statuses).toHaveLength(1);
  });

  it("answers a text message with 72107", async () => {
    const s = await server();
    const raw = await peer(s);
    raw.sendBytes("hello");
    expect(errorOf(await raw.push((f) => f.body?.$case === "error")).code).toBe(ErrorCode.ERROR_CODE_MALFORMED_FRAME);
  });

  it("answers an oversized frame with 72106 and closes with 1009", async () => {
    const s = await server({ app: { limits: { maxFrameBytes: 4096 } } });
    const raw = await peer(s);
    await raw.login("alice");
    const frame = encodeFrame({ requestId: 9, body: { $case: "getUserStatusRequest", value: { userIds: ids("someone-with-a-long-id-", 200) } } });
    expect(frame.length).toBeGreaterThan(4096);
    raw.sendBytes(frame);
    const pushed = await raw.push((f) => f.body?.$case === "error");
    expect(errorOf(pushed).code).toBe(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
    expect(await raw.closed()).toBe(1009);
  });

  it("refuses a frame over twice the maximum at the WebSocket layer (from its header, unbuffered), still sending 72106 before 1009", async () => {
    const s = await server({ app: { limits: { maxFrameBytes: 4096 } } });
    const raw = await peer(s);
    await raw.login("alice");
    raw.sendBytes(new Uint8Array(64 * 1024));
    expect(await raw.closed()).toBe(1009);
    const errors = raw.frames.filter((f) => f.body?.$case === "error");
    expect(errors.map((f) => [f.requestId, errorOf(f).code])).toEqual([[0, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE]]);
    expect(raw.frames.at(-1)).toBe(errors[0]);
  });

  it("tells every client it is going away with 72113 (request id 0) and closes with 1001", async () => {
    const s = await server();
    const raw = await peer(s);
    await raw.login("alice");
    await s.close();
    const pushed = await raw.push((f) => f.body?.$case === "error");
    expect(errorOf(pushed)).toMatchObject({ code: ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN, message: "server shutting down", retryAfterMs: 0 });
    expect(await raw.closed()).toBe(1001);
    expect(raw.closeReason).toBe("shutting down");
  });

  it("closes a client that does not read with 1008 once its backlog passes maxBufferedBytes, as a lost connection", async () => {
    // Shedding off: the flood of queries below would lag the loop, and refusals are too small to fill the backlog.
    const s = await server({ maxBufferedBytes: 64 * 1024, maxEventLoopLagMs: 0, users: ids("u", 500), app: { limits: { rateLimitRequests: 100_000 } } });
    const watcher = client(s, "bob");
    await watcher.login();
    const seen = collect(watcher);
    const raw = await peer(s);
    await raw.login("carol");
    await watcher.subscribeUserStatus(["carol"]);
    raw.socket.pause();
    // About 5 KB per answer: far more than the kernel's socket buffers hold.
    for (let i = 0; i < 2000; i++) raw.sendFrame({ $case: "getUserStatusRequest", value: { userIds: ids("u", 500) } });
    const offline = await eventually(() => seen.find((st) => st.userId === "carol" && st.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE), 15_000, "carol OFFLINE");
    expect(offline.reason).toBe(StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
    raw.socket.resume();
    expect(await raw.closed(15_000)).toBe(1008);
    expect(raw.closeReason).toBe("slow consumer");
    const metrics = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
    expect(metrics).toMatch(/^presence_slow_consumer_closes_total 1$/m);
  }, 30_000);

  it("turns a silent connection OFFLINE after the heartbeat timeout, clears its custom status and notifies subscribers", async () => {
    const s = await server({ app: { limits: { heartbeatTimeoutMs: 400, heartbeatIntervalMs: 150 } } });
    const watcher = client(s, "bob");
    await watcher.login();
    const seen = collect(watcher);
    const raw = await peer(s);
    await raw.login("carol");
    await raw.request({ $case: "setSelfStatusRequest", value: { customStatus: "online soon" } });
    await watcher.subscribeUserStatus(["carol"]);
    // carol now sends nothing: no ping, no close (a process killed behind a NAT).
    const offline = await eventually(() => seen.find((st) => st.userId === "carol" && st.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE), 5000, "carol OFFLINE");
    expect(offline.reason).toBe(StatusChangeReason.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT);
    expect(offline.customStatus).toBe("");
    expect(errorOf(await raw.push((f) => f.body?.$case === "error")).code).toBe(ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT);
  });

  it("keeps an SDK client ONLINE past the timeout with automatic heartbeats", async () => {
    // Pings every 100 ms against a 1.5 s timeout: room for a loaded CI machine's event-loop delays.
    const s = await server({ app: { limits: { heartbeatTimeoutMs: 1500, heartbeatIntervalMs: 100 } } });
    const alice = client(s, "alice");
    await alice.login();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect((await s.engine.statusOf("alice"))?.statusType).toBe(UserStatusType.USER_STATUS_TYPE_ONLINE);
    expect(alice.state).toBe("online");
  });

  it("reports a killed connection OFFLINE at once when the close is seen", async () => {
    const s = await server();
    const watcher = client(s, "bob");
    await watcher.login();
    const seen = collect(watcher);
    const raw = await peer(s);
    await raw.login("carol");
    await watcher.subscribeUserStatus(["carol"]);
    raw.close();
    const offline = await eventually(() => seen.find((st) => st.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE), 5000, "carol OFFLINE");
    expect(offline.reason).toBe(StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
  });

  it("syncs two devices of one user", async () => {
    const s = await server();
    const phone = client(s, "alice", { deviceId: "phone" });
    const laptop = client(s, "alice", { deviceId: "laptop" });
    await phone.login();
    await laptop.login();
    const laptopSees = collect(laptop);
    await phone.setSelfStatus("on my way");
    const synced = await eventually(() => laptopSees.find((st) => st.customStatus === "on my way"), 5000, "laptop sync");
    expect(synced.onlineDevices.map((d) => d.deviceId).sort()).toEqual(["laptop", "phone"]);
  });

  it("reconnects, logs in again and re-subscribes after the server restarts", async () => {
    const first = await startServer({ users: ["alice"] });
    const port = first.port;
    const bob = client(first, "bob", { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
    await bob.login();
    await bob.subscribeUserStatus(["alice"]);
    const seen = collect(bob);
    await first.close();
    await eventually(() => (bob.state === "reconnecting" ? true : undefined), 5000, "reconnecting");

    const second = await server({ port, users: ["alice"] });
    await eventually(() => (bob.state === "online" ? true : undefined), 10_000, "online again");
    await eventually(async () => ((await second.engine.subscriptionsOf("bob")).includes("alice") ? true : undefined), 5000, "re-subscribed");
    const alice = client(second, "alice");
    await alice.login();
    await eventually(() => seen.find((st) => st.userId === "alice" && st.statusType === UserStatusType.USER_STATUS_TYPE_ONLINE), 5000, "alice ONLINE after restart");
  });
});

describe("tokens", () => {
  it("are bound to the secret", () => {
    expect(createToken({ userId: "a", expiresAtMs: 1 }, SECRET)).not.toBe(createToken({ userId: "a", expiresAtMs: 1 }, `${SECRET}x`));
  });
});
