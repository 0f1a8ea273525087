// One user's presence while a transition changes it: a working copy of the
// stored record (so an attempt that loses its commit leaves nothing behind).
// The status type is derived from the devices, never stored on its own, so
// "ONLINE iff some device is logged in" cannot drift.
import { StatusChangeReason, type UserStatus, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import type { DeviceSession, UserRecord } from "./store.js";

export class UserState {
  /** Logged-in devices in login order. */
  readonly devices: DeviceSession[];
  customStatus: string;
  retainUntilMs: number | undefined;
  private disconnectedType: UserStatusType;
  private version: bigint;
  private changedAtMs: bigint;
  private reason: StatusChangeReason;

  constructor(
    readonly userId: string,
    record?: UserRecord,
  ) {
    this.devices = [...(record?.devices ?? [])];
    this.customStatus = record?.customStatus ?? "";
    this.retainUntilMs = record?.retainUntilMs;
    this.disconnectedType = record?.disconnectedType ?? UserStatusType.USER_STATUS_TYPE_UNLOGINED;
    this.version = record?.version ?? 0n;
    this.changedAtMs = record?.changedAtMs ?? 0n;
    this.reason = record?.reason ?? StatusChangeReason.STATUS_CHANGE_REASON_UNSPECIFIED;
  }

  /** Adds a device, replacing (and returning) a session with the same device id. */
  addDevice(session: DeviceSession): DeviceSession | undefined {
    const index = this.devices.findIndex((d) => d.deviceId === session.deviceId);
    const replaced = index >= 0 ? this.devices.splice(index, 1)[0] : undefined;
    this.devices.push(session);
    return replaced;
  }

  /**
   * Removes the device of a connection. When it was the last one, the user
   * becomes UNLOGINED (logout) or OFFLINE (any other loss) and the custom
   * status is cleared in the same change.
   */
  removeConnection(nodeId: string, connectionId: string, reason: StatusChangeReason): boolean {
    const index = this.devices.findIndex((d) => d.connectionId === connectionId && d.nodeId === nodeId);
    if (index < 0) return false;
    this.devices.splice(index, 1);
    this.afterRemoval(reason);
    return true;
  }

  /** Removes every device `match` picks (those of a node that died, say), like `removeConnection`; false when it picked none. */
  removeDevices(match: (device: DeviceSession) => boolean, reason: StatusChangeReason): boolean {
    const before = this.devices.length;
    for (let i = this.devices.length - 1; i >= 0; i--) if (match(this.devices[i]!)) this.devices.splice(i, 1);
    if (this.devices.length === before) return false;
    this.afterRemoval(reason);
    return true;
  }

  private afterRemoval(reason: StatusChangeReason): void {
    if (this.devices.length === 0) {
      this.disconnectedType =
        reason === StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT
          ? UserStatusType.USER_STATUS_TYPE_UNLOGINED
          : UserStatusType.USER_STATUS_TYPE_OFFLINE;
      this.customStatus = "";
    }
  }

  /** Records one visible change. */
  bump(reason: StatusChangeReason, nowMs: number): void {
    this.version += 1n;
    this.changedAtMs = BigInt(nowMs);
    this.reason = reason;
  }

  record(): UserRecord {
    const { userId, devices, customStatus, disconnectedType, version, changedAtMs, reason, retainUntilMs } = this;
    return { userId, devices: [...devices], customStatus, disconnectedType, version, changedAtMs, reason, retainUntilMs };
  }
}

/**
 * Each record's status, built once: a record is a value, so its status is one
 * too, and the 500-user query reads the same records again and again. The
 * encoder can then know a status it encoded before by identity. Statuses are
 * never changed after they are made (nobody may: they are shared).
 */
const published = new WeakMap<UserRecord, UserStatus>();

/** The status a record publishes; a known user without a record has never logged in (UNLOGINED, version 0). */
export function statusOf(userId: string, record: UserRecord | undefined, epoch: bigint): UserStatus {
  if (!record) return build(userId, undefined, epoch);
  const known = published.get(record);
  if (known !== undefined && known.epoch === epoch && known.userId === userId) return known;
  const status = build(userId, record, epoch);
  published.set(record, status);
  return status;
}

function build(userId: string, record: UserRecord | undefined, epoch: bigint): UserStatus {
  return {
    userId,
    statusType: !record ? UserStatusType.USER_STATUS_TYPE_UNLOGINED : record.devices.length > 0 ? UserStatusType.USER_STATUS_TYPE_ONLINE : record.disconnectedType,
    customStatus: record?.customStatus ?? "",
    onlineDevices: record ? record.devices.map(({ deviceId, platform }) => ({ deviceId, platform })) : [],
    version: record?.version ?? 0n,
    changedAtMs: record?.changedAtMs ?? 0n,
    reason: record?.reason ?? StatusChangeReason.STATUS_CHANGE_REASON_UNSPECIFIED,
    epoch,
  };
}
