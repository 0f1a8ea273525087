// A record's status is built once and shared: the same object while the record
// is the same, a new one (with the new values) once the record or the epoch changes.
import { expect, it } from "vitest";
import { Platform, StatusChangeReason, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import type { UserRecord } from "../../src/engine/store.js";
import { statusOf, UserState } from "../../src/engine/user-state.js";

const online = (): UserRecord => {
  const user = new UserState("alice");
  user.addDevice({ deviceId: "d1", platform: Platform.PLATFORM_IOS, nodeId: "n", connectionId: "c1" });
  user.customStatus = "busy";
  user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, 1_000);
  return user.record();
};

it("gives the same status object for the same record and epoch", () => {
  const record = online();
  const status = statusOf("alice", record, 7n);
  expect(statusOf("alice", record, 7n)).toBe(status);
  expect(status).toEqual({
    userId: "alice",
    statusType: UserStatusType.USER_STATUS_TYPE_ONLINE,
    customStatus: "busy",
    onlineDevices: [{ deviceId: "d1", platform: Platform.PLATFORM_IOS }],
    version: 1n,
    changedAtMs: 1_000n,
    reason: StatusChangeReason.STATUS_CHANGE_REASON_LOGIN,
    epoch: 7n,
  });
});

it("builds a new status for a changed record and for another epoch", () => {
  const record = online();
  const before = statusOf("alice", record, 7n);
  const user = new UserState("alice", record);
  user.removeConnection("n", "c1", StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
  user.bump(StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED, 2_000);
  const after = statusOf("alice", user.record(), 7n);
  expect(after).toMatchObject({ statusType: UserStatusType.USER_STATUS_TYPE_OFFLINE, customStatus: "", onlineDevices: [], version: 2n });
  expect(before).toMatchObject({ statusType: UserStatusType.USER_STATUS_TYPE_ONLINE, version: 1n });
  const otherEpoch = statusOf("alice", record, 8n);
  expect(otherEpoch).not.toBe(before);
  expect(otherEpoch.epoch).toBe(8n);
});

it("builds an UNLOGINED status afresh for a known user without a record", () => {
  expect(statusOf("bob", undefined, 0n)).toEqual(statusOf("bob", undefined, 0n));
  expect(statusOf("bob", undefined, 0n)).toMatchObject({ statusType: UserStatusType.USER_STATUS_TYPE_UNLOGINED, version: 0n });
});
