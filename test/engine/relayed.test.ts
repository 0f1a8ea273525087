// What another node relays for this node's connections. The sender finds a
// device in the store as soon as its login commits, which is before the login
// has ended on this node: a notification relayed in between must follow the
// login's answer, not be dropped.
import { expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { Bench, framesTo, PREMIUM_ON, req } from "./harness.js";

const bobChanged: UserStatus = {
  userId: "bob",
  statusType: UserStatusType.USER_STATUS_TYPE_ONLINE,
  customStatus: "seen from another node",
  onlineDevices: [],
  version: 2n,
  changedAtMs: 1_700_000_000_000n,
  reason: StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET,
  epoch: 0n,
};

function relayTo(bench: Bench, connectionId: string): Promise<void> {
  return bench.engine.deliverRelayed({ outbox: new Map([[connectionId, [bobChanged]]]), replaced: [], kicked: [] });
}

it("delivers a notification relayed while the connection's login runs, after the login's answer", async () => {
  const bench = new Bench({ config: PREMIUM_ON });
  bench.connect("c1");
  const login = bench.engine.receive("c1", { requestId: 1, body: req.login("alice", "phone") });
  const relayed = relayTo(bench, "c1");
  await Promise.all([login, relayed]);
  await bench.settle();
  const frames = framesTo(bench.take(), "c1");
  expect(frames.map((frame) => frame.body?.$case)).toEqual(["loginResponse", "userStatusChanged"]);
  expect(frames[1]!.body).toMatchObject({ value: { statuses: [{ userId: "bob", customStatus: "seen from another node" }] } });
});

it("drops it when that login fails, and for a connection that never logged in", async () => {
  const bench = new Bench({ config: PREMIUM_ON, authenticate: (userId) => (userId === "mallory" ? ErrorCode.ERROR_CODE_TOKEN_INVALID : undefined) });
  bench.connect("c1");
  bench.connect("c2");
  const login = bench.engine.receive("c1", { requestId: 1, body: req.login("mallory", "phone") });
  await Promise.all([login, relayTo(bench, "c1"), relayTo(bench, "c2")]);
  await bench.settle();
  const effects = bench.take();
  expect(framesTo(effects, "c1").map((frame) => frame.body?.$case)).toEqual(["error"]);
  expect(framesTo(effects, "c2")).toEqual([]);
});
