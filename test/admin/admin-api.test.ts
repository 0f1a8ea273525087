// The admin API end to end: a real server on a loopback port, real HTTP, SDK clients and raw peers.
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { ConnectionChange, PresenceClient } from "../../src/client/index.js";
import type { PresenceServer } from "../../src/server/server.js";
import type { Logger } from "../../src/server/log.js";
import { RawPeer, errorOf, eventually, sdkClient, tokenFor } from "../e2e/harness.js";
import { ADMIN_KEY, admin, httpBase, startAdminServer } from "./harness.js";

const servers: PresenceServer[] = [];
const clients: PresenceClient[] = [];
const peers: RawPeer[] = [];

async function server(options: Parameters<typeof startAdminServer>[0] = {}): Promise<PresenceServer> {
  const started = await startAdminServer(options);
  servers.push(started);
  return started;
}

function client(on: PresenceServer, userId: string): PresenceClient {
  const created = sdkClient(on, userId);
  clients.push(created);
  return created;
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of peers.splice(0)) p.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("the admin key", () => {
  it("is off without a key, and says so in the log", async () => {
    const lines: string[] = [];
    const logger: Logger = { log: (_level, message) => lines.push(message) };
    const s = await server({ adminKey: undefined, logger });
    expect((await fetch(`${httpBase(s)}/admin/v1/counts`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).status).toBe(404);
    expect(lines).toContain("admin API and console off: no admin key configured");
  });

  it("refuses a missing or wrong key, and a user's login token, with 401 and a Basic challenge", async () => {
    const s = await server();
    for (const authorization of [undefined, "Bearer wrong-key-0123456789abcdef", `Bearer ${tokenFor("alice")}`]) {
      const response = await fetch(`${httpBase(s)}/admin/v1/counts`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect(await response.json()).toMatchObject({ error: { code: "unauthorized" } });
    }
    const basic = `Basic ${Buffer.from(`operator:${ADMIN_KEY}`).toString("base64")}`;
    expect((await fetch(`${httpBase(s)}/admin/v1/counts`, { headers: { authorization: basic } })).status).toBe(200);
  });

  it("refuses a cross-origin request and a body that is not JSON", async () => {
    const s = await server();
    expect((await admin(s, "PATCH", "/settings", { featureEnabled: false }, { origin: "https://evil.example" })).status).toBe(403);
    expect((await admin(s, "PATCH", "/settings", { featureEnabled: false }, { "content-type": "text/plain" })).status).toBe(415);
    expect(s.engine.settings.featureEnabled).toBe(true);
  });

  it("answers 404 for an unknown endpoint and 405 for a wrong method", async () => {
    const s = await server();
    expect((await admin(s, "GET", "/nothing")).json).toMatchObject({ error: { code: "not_found" } });
    expect((await admin(s, "DELETE", "/settings")).status).toBe(405);
  });
});

describe("settings at run time", () => {
  it("turns the feature switch off: a connected client's next query of others gets 72001, no restart", async () => {
    const s = await server();
    const alice = client(s, "alice");
    await alice.login();
    expect((await alice.getUserStatus(["alice", "bob"])).statuses).toHaveLength(1);
    const changed = await admin(s, "PATCH", "/settings", { featureEnabled: false });
    expect(changed).toMatchObject({ status: 200, json: { featureEnabled: false, plan: "premium" } });
    await expect(alice.getUserStatus(["bob"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_FEATURE_DISABLED });
    await admin(s, "PATCH", "/settings", { featureEnabled: true });
    expect((await alice.getUserStatus(["alice"])).statuses).toHaveLength(1);
  });

  it("switches the plan to basic: the next subscribe gets 72101", async () => {
    const s = await server();
    const alice = client(s, "alice");
    await alice.login();
    expect((await admin(s, "PATCH", "/settings", { plan: "basic" })).json.plan).toBe("basic");
    await expect(alice.subscribeUserStatus(["bob"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED });
  });

  it("refuses a bad field with 400 naming it, and applies nothing of the request", async () => {
    const s = await server();
    const cases: [unknown, string][] = [
      [{ featureEnabled: false, plan: "gold" }, "plan"],
      [{ featureEnabled: false, prot: 9000 }, "prot"],
      [{ featureEnabled: "no" }, "featureEnabled"],
      [{ featureEnabled: false, limits: { maxQueryUsers: 0 } }, "limits.maxQueryUsers"],
      [{ featureEnabled: false, limits: { maxQueryUsers: 1.5 } }, "limits.maxQueryUsers"],
      [{ featureEnabled: false, limits: { maxFrameBytes: 2048 } }, "limits.maxFrameBytes"],
      [{ featureEnabled: false, limits: { maxQueryUsers: 10, heartbeatIntervalMs: 200_000 } }, "limits.heartbeatIntervalMs"],
    ];
    for (const [body, field] of cases) {
      const refused = await admin(s, "PATCH", "/settings", body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.json.error).toMatchObject({ code: "invalid_field", field });
    }
    const settings = (await admin(s, "GET", "/settings")).json;
    expect(settings).toMatchObject({ featureEnabled: true, limits: { maxQueryUsers: 500, heartbeatIntervalMs: 120_000 } });
  });

  it("derives the heartbeat interval from a timeout given alone, and announces both to later logins", async () => {
    const s = await server();
    const changed = await admin(s, "PATCH", "/settings", { limits: { heartbeatTimeoutMs: 60_000 } });
    expect(changed.json.limits).toMatchObject({ heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 18_000 });
    const login = await client(s, "alice").login();
    expect(login.limits).toMatchObject({ heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 18_000 });
  });

  it("applies a lower batch size from the next request", async () => {
    const s = await server({ users: ["bob", "carol"] });
    const raw = await RawPeer.open(s.url);
    peers.push(raw);
    await raw.login("alice");
    await admin(s, "PATCH", "/settings", { limits: { maxQueryUsers: 1 } });
    const refused = await raw.request({ $case: "getUserStatusRequest", value: { userIds: ["bob", "carol"] } });
    expect(errorOf(refused).code).toBe(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT);
  });
});

describe("friends in bulk", () => {
  it("imports, replaces and removes friendships; friend auto-notification uses them at once", async () => {
    const s = await server();
    expect((await admin(s, "POST", "/friends/import", { pairs: [["alice", "bob"], ["alice", "carol"]] })).json).toEqual({ imported: 2 });
    expect((await admin(s, "GET", "/friends/alice")).json).toEqual({ userId: "alice", friends: ["bob", "carol"] });
    await admin(s, "PATCH", "/settings", { friendAutoNotify: true });
    const bob = client(s, "bob");
    const seen: UserStatus[] = [];
    bob.onUserStatusChanged((statuses) => seen.push(...statuses));
    await bob.login();
    await client(s, "alice").login();
    await eventually(() => seen.find((st) => st.userId === "alice"), 5000, "bob told of alice");

    expect((await admin(s, "PUT", "/friends", { pairs: [["dave", "erin"]] })).json).toEqual({ imported: 1 });
    expect((await admin(s, "GET", "/friends/alice")).json.friends).toEqual([]);
    expect((await admin(s, "POST", "/friends/remove", { pairs: [["erin", "dave"]] })).json).toEqual({ removed: 1 });
    expect((await admin(s, "GET", "/friends/dave")).json.friends).toEqual([]);
  });

  it("refuses a list with one bad pair and imports none of it", async () => {
    const s = await server();
    const refused = await admin(s, "POST", "/friends/import", { pairs: [["alice", "bob"], ["carol", ""]] });
    expect(refused).toMatchObject({ status: 400, json: { error: { field: "pairs.1.1" } } });
    const self = await admin(s, "POST", "/friends/import", { pairs: [["alice", "alice"]] });
    expect(self).toMatchObject({ status: 400, json: { error: { field: "pairs.0" } } });
    expect((await admin(s, "GET", "/friends/alice")).json.friends).toEqual([]);
  });
});

describe("statuses, counts, kick and the live feed", () => {
  it("queries up to 500 users with a per-user error list", async () => {
    const s = await server({ users: ["bob"] });
    await client(s, "alice").login();
    const long = "x".repeat(129);
    const { status, json } = await admin(s, "POST", "/statuses/query", { userIds: ["alice", "bob", "ghost", long, "alice"] });
    expect(status).toBe(200);
    expect(json.statuses.map((st: { userId: string; statusType: string }) => [st.userId, st.statusType])).toEqual([
      ["alice", "USER_STATUS_TYPE_ONLINE"],
      ["bob", "USER_STATUS_TYPE_UNLOGINED"],
    ]);
    expect(json.errors).toEqual([
      expect.objectContaining({ userId: long, code: "ERROR_CODE_INVALID_PARAMETERS" }),
      expect.objectContaining({ userId: "ghost", code: "ERROR_CODE_ACCOUNT_NOT_FOUND" }),
    ]);
    const tooMany = await admin(s, "POST", "/statuses/query", { userIds: Array.from({ length: 501 }, (_, i) => `u${i}`) });
    expect(tooMany).toMatchObject({ status: 400, json: { error: { field: "userIds" } } });
  });

  it("counts connections, logged-in connections, users online and subscriptions", async () => {
    const s = await server({ users: ["bob"] });
    const idle = await RawPeer.open(s.url);
    peers.push(idle);
    const alice = client(s, "alice");
    await alice.login();
    await alice.subscribeUserStatus(["bob"]);
    const second = await RawPeer.open(s.url);
    peers.push(second);
    await second.login("alice", tokenFor("alice"), "laptop");
    expect((await admin(s, "GET", "/counts")).json).toEqual({ connections: 3, loggedIn: 2, onlineUsers: 1, subscriptions: 1 });
  });

  it("kicks a device: it gets Error 72115 and close 1008; a subscriber sees reason KICKED", async () => {
    const s = await server();
    const raw = await RawPeer.open(s.url);
    peers.push(raw);
    await raw.login("alice", tokenFor("alice"), "phone");
    const bob = client(s, "bob");
    const seen: UserStatus[] = [];
    bob.onUserStatusChanged((statuses) => seen.push(...statuses));
    await bob.login();
    await bob.subscribeUserStatus(["alice"]);

    expect((await admin(s, "POST", "/users/alice/kick", {})).json).toEqual({ userId: "alice", kicked: ["phone"] });
    const pushed = await raw.push((frame) => frame.body?.$case === "error");
    expect(errorOf(pushed).code).toBe(ErrorCode.ERROR_CODE_KICKED);
    expect(await raw.closed()).toBe(1008);
    const change = await eventually(() => seen.find((st) => st.userId === "alice" && st.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE));
    expect(change.reason).toBe(StatusChangeReason.STATUS_CHANGE_REASON_KICKED);
    expect((await admin(s, "POST", "/users/alice/kick", { deviceId: "phone" })).json.kicked).toEqual([]);
    expect((await admin(s, "POST", "/users/alice/kick", { device: "phone" })).json.error.field).toBe("device");
  });

  it("stops an SDK client that was kicked: it does not reconnect", async () => {
    const s = await server();
    const alice = sdkClient(s, "alice", { reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    clients.push(alice);
    const changes: ConnectionChange[] = [];
    alice.onConnectionChanged((change) => changes.push(change));
    await alice.login();
    await admin(s, "POST", "/users/alice/kick", {});
    const stopped = await eventually(() => changes.find((change) => change.state === "closed"), 5000, "alice to stop");
    expect(stopped).toMatchObject({ reason: "stopped", closeCode: 1008, error: { code: ErrorCode.ERROR_CODE_KICKED } });
    expect(s.engine.counts().loggedIn).toBe(0);
  });

  it("streams every status change as a server-sent event", async () => {
    const s = await server();
    const response = await fetch(`${httpBase(s)}/admin/v1/events`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.getReader();
    await client(s, "alice").login();
    let text = "";
    while (!text.includes("event: status")) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(/data: (.*)\n/.exec(text.slice(text.indexOf("event: status")))![1]!);
    expect(data).toMatchObject({ userId: "alice", statusType: "USER_STATUS_TYPE_ONLINE", reason: "STATUS_CHANGE_REASON_LOGIN" });
    await reader.cancel();
  });
});
