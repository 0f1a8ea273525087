// One user's presence: the devices logged in, the custom status, and the
// version that counts visible changes. The status type is derived from the
// devices, never stored on its own, so "ONLINE iff some device is logged in"
// cannot drift.
import {
  type Platform,
  StatusChangeReason,
  type UserStatus,
  UserStatusType,
} from "../../generated/ts-proto/presence/v1/status.js";

export interface DeviceSession {
  readonly deviceId: string;
  readonly platform: Platform;
  readonly connectionId: string;
}

/** The status type a user has while no device is logged in. */
type DisconnectedType = UserStatusType.USER_STATUS_TYPE_OFFLINE | UserStatusType.USER_STATUS_TYPE_UNLOGINED;

export class UserState {
  /** Logged-in devices in login order. */
  readonly devices: DeviceSession[] = [];
  customStatus = "";
  private disconnectedType: DisconnectedType = UserStatusType.USER_STATUS_TYPE_UNLOGINED;
  private version = 0n;
  private changedAtMs = 0n;
  private reason = StatusChangeReason.STATUS_CHANGE_REASON_UNSPECIFIED;

  constructor(readonly userId: string) {}

  get statusType(): UserStatusType {
    return this.devices.length > 0 ? UserStatusType.USER_STATUS_TYPE_ONLINE : this.disconnectedType;
  }

  get currentVersion(): bigint {
    return this.version;
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
  removeConnection(connectionId: string, reason: StatusChangeReason): boolean {
    const index = this.devices.findIndex((d) => d.connectionId === connectionId);
    if (index < 0) return false;
    this.devices.splice(index, 1);
    if (this.devices.length === 0) {
      this.disconnectedType =
        reason === StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT
          ? UserStatusType.USER_STATUS_TYPE_UNLOGINED
          : UserStatusType.USER_STATUS_TYPE_OFFLINE;
      this.customStatus = "";
    }
    return true;
  }

  /** Records one visible change. */
  bump(reason: StatusChangeReason, nowMs: number): void {
    this.version += 1n;
    this.changedAtMs = BigInt(nowMs);
    this.reason = reason;
  }

  snapshot(): UserStatus {
    return {
      userId: this.userId,
      statusType: this.statusType,
      customStatus: this.customStatus,
      onlineDevices: this.devices.map(({ deviceId, platform }) => ({ deviceId, platform })),
      version: this.version,
      changedAtMs: this.changedAtMs,
      reason: this.reason,
    };
  }
}

/** The status of a known user who has never logged in. */
export function neverLoggedIn(userId: string): UserStatus {
  return new UserState(userId).snapshot();
}
