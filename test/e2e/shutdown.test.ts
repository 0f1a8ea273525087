// A server shutting down while it holds thousands of connections, over real
// sockets: every client gets ERROR_CODE_SERVER_SHUTTING_DOWN and the close
// code 1001 before its socket ends, every user it held is recorded OFFLINE,
// and in cluster mode (a real redis-server) the other node's receivers are
// told of each of those users going OFFLINE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { startLocalRedis, type LocalRedis } from "../../scripts/local-redis.js";
import type { PresenceServer } from "../../src/server/server.js";
import { errorOf, eventually, RawPeer, startServer } from "./harness.js";

/** Opens `count` peers, `loggedIn` of them logged in as `${prefix}${i}`, at most `batch` at a time. */
async function peers(server: PresenceServer, prefix: string, count: number, loggedIn: number, batch = 200): Promise<RawPeer[]> {
  const opened: RawPeer[] = [];
  for (let start = 0; start < count; start += batch) {
    const ids = Array.from({ length: Math.min(batch, count - start) }, (_, i) => start + i);
    opened.push(
      ...(await Promise.all(
        ids.map(async (i) => {
          const peer = await RawPeer.open(server.url);
          if (i < loggedIn) expect((await peer.login(`${prefix}${i}`)).body?.$case).toBe("loginResponse");
          return peer;
        }),
      )),
    );
  }
  return opened;
}

/** Every peer got the 72113 Error (request id 0) and then the close 1001 "shutting down". */
async function expectToldAndClosed(all: RawPeer[]): Promise<void> {
  const codes = await Promise.all(all.map((peer) => peer.closed(30_000)));
  expect(codes.filter((code) => code !== 1001)).toEqual([]);
  expect(all.filter((peer) => peer.closeReason !== "shutting down")).toEqual([]);
  const told = all.filter((peer) => peer.frames.some((f) => f.requestId === 0 && f.body?.$case === "error" && errorOf(f).code === ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN));
  expect(told.length).toBe(all.length);
}

const ids = (prefix: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

describe("shutdown of a node holding thousands of connections", () => {
  it("tells every client 72113 and closes it with 1001, and records every user it held OFFLINE", async () => {
    const users = ids("u", 0, 2000);
    const server = await startServer({ users });
    // 2,000 logged in, 1,000 only connected (a connection-context error reaches them too).
    const all = await peers(server, "u", 3000, 2000);
    expect(server.connectionCount).toBe(3000);
    await server.close();
    await expectToldAndClosed(all);
    expect(server.connectionCount).toBe(0);
    const { statuses } = await server.engine.lookup(users);
    expect(statuses.filter((s) => s.statusType !== UserStatusType.USER_STATUS_TYPE_OFFLINE || s.reason !== StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED || s.onlineDevices.length > 0)).toEqual([]);
  }, 120_000);

  describe("in cluster mode", () => {
    let redis: LocalRedis;
    beforeAll(async () => {
      redis = await startLocalRedis();
    });
    afterAll(() => redis.stop());

    it("the other node's subscriber and friend get the OFFLINE change of each user the node held", async () => {
      const held = ids("u", 0, 1500);
      const subscribed = held.slice(0, 100);
      const friends = held.slice(100, 400);
      // The watcher logs in as watcher0. The default lease: logging 1,500 in on a busy machine may
      // stall a node past a short one, and the other would take it for dead.
      const options = { redisUrl: redis.url, clusterKeyPrefix: "shutdown:", app: { friendAutoNotify: true }, friends: { watcher0: friends } };
      const a = await startServer({ ...options, nodeId: "a" });
      const b = await startServer({ ...options, nodeId: "b" });
      try {
        const all = await peers(a, "u", 1500, 1500);
        const [watcher] = await peers(b, "watcher", 1, 1);
        const answer = await watcher!.request({ $case: "subscribeUserStatusRequest", value: { userIds: subscribed } });
        expect(answer.body?.$case).toBe("subscribeUserStatusResponse");

        await a.close();
        await expectToldAndClosed(all);
        const changed = (frame: Frame): UserStatus[] => (frame.body?.$case === "userStatusChanged" ? frame.body.value.statuses : []);
        const offline = () => new Set(watcher!.frames.flatMap(changed).filter((s) => s.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE).map((s) => s.userId));
        const watched = [...subscribed, ...friends];
        await eventually(() => (watched.every((id) => offline().has(id)) ? true : undefined), 30_000, "OFFLINE of every watched user");
        const reasons = new Set(watcher!.frames.flatMap(changed).filter((s) => s.statusType === UserStatusType.USER_STATUS_TYPE_OFFLINE).map((s) => s.reason));
        expect([...reasons]).toEqual([StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED]);
        // The shared store records every user the node held OFFLINE, watched or not.
        const { statuses } = await b.engine.lookup(held);
        expect(statuses.filter((s) => s.statusType !== UserStatusType.USER_STATUS_TYPE_OFFLINE)).toEqual([]);
        watcher!.close();
      } finally {
        await a.close();
        await b.close();
      }
    }, 120_000);
  });
});
