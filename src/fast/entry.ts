// The one entry encoder shared by the response, the notification and the
// entry cache: a `UserStatus` (or `UserError`) as a complete repeated-field
// entry (tag, length, message), byte-identical to ts-proto's encoder.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../codec/errors.js";
import { ByteWriter, checkArray, checkInt32, checkInt64, checkString, checkUint32, checkUint64 } from "./writer.js";

/** Tag of `statuses` (field 1, length-delimited) in both GetUserStatusResponse and UserStatusChangedNotification. */
const STATUSES_TAG = 0x0a;
/** Tag of `GetUserStatusResponse.errors` (field 2, length-delimited). */
const ERRORS_TAG = 0x12;

type UnknownFields = { [key: number]: Uint8Array[] } | undefined;

/**
 * Room for one UserStatus entry's known fields: 5 bytes per length prefix,
 * every scalar at its widest (10-byte varints), 3 bytes per UTF-16 unit.
 * Those are then written without capacity checks; unknown fields (rare)
 * reserve their own room on top, see writeUnknownFields.
 */
function userStatusBound(status: UserStatus, devices: Device[]): number {
  let bound = 64 + 3 * (status.userId.length + status.customStatus.length);
  // A deviceId that is not a string is rejected by writeDevice; count it as empty here.
  for (let i = 0; i < devices.length; i++) bound += 32 + 3 * ((devices[i]?.deviceId as string | undefined)?.length ?? 0);
  return bound;
}

/** Writes `status` as a `statuses` entry: tag 0x0a, length, UserStatus. */
export function writeUserStatusEntry(w: ByteWriter, status: UserStatus): void {
  const userId = status.userId;
  const customStatus = status.customStatus;
  checkString(userId, "UserStatus.userId");
  checkString(customStatus, "UserStatus.customStatus");
  const devices = status.onlineDevices;
  checkArray(devices, "UserStatus.onlineDevices");
  const bound = userStatusBound(status, devices);
  w.ensure(bound);
  w.buf[w.pos++] = STATUSES_TAG;
  // Most entries are under 128 bytes: reserve one length byte, widen if not.
  const at = w.reserveLength(1);
  if (userId !== "") {
    w.buf[w.pos++] = 0x0a;
    w.string(userId);
  }
  const statusType = status.statusType;
  if (statusType !== 0) {
    checkInt32(statusType, "UserStatus.statusType");
    w.buf[w.pos++] = 0x10;
    w.int32(statusType);
  }
  if (customStatus !== "") {
    w.buf[w.pos++] = 0x1a;
    w.string(customStatus);
  }
  for (let i = 0; i < devices.length; i++) writeDevice(w, devices[i]!, bound);
  const version = status.version;
  if (version !== 0n) {
    checkUint64(version, "UserStatus.version");
    w.buf[w.pos++] = 0x28;
    w.uint64(version);
  }
  const changedAtMs = status.changedAtMs;
  if (changedAtMs !== 0n) {
    checkInt64(changedAtMs, "UserStatus.changedAtMs");
    w.buf[w.pos++] = 0x30;
    w.int64(changedAtMs);
  }
  const reason = status.reason;
  if (reason !== 0) {
    checkInt32(reason, "UserStatus.reason");
    w.buf[w.pos++] = 0x38;
    w.int32(reason);
  }
  if (hasUnknownFields(status._unknownFields)) writeUnknownFields(w, status._unknownFields!, 0);
  w.finishLength(at, 1, w.pos);
}

/** `entryBound`: the room the enclosing entry reserved, kept free for its fields after this device. */
function writeDevice(w: ByteWriter, device: Device, entryBound: number): void {
  const deviceId = device.deviceId;
  checkString(deviceId, "Device.deviceId");
  w.buf[w.pos++] = 0x22;
  const at = w.reserveLength(1);
  if (deviceId !== "") {
    w.buf[w.pos++] = 0x0a;
    w.string(deviceId);
  }
  const platform = device.platform;
  if (platform !== 0) {
    checkInt32(platform, "Device.platform");
    w.buf[w.pos++] = 0x10;
    w.int32(platform);
  }
  if (hasUnknownFields(device._unknownFields)) writeUnknownFields(w, device._unknownFields!, entryBound);
  w.finishLength(at, 1, w.pos);
}

/** Writes `error` as a `GetUserStatusResponse.errors` entry: tag 0x12, length, UserError. */
export function writeUserErrorEntry(w: ByteWriter, error: UserError): void {
  const userId = error.userId;
  const message = error.message;
  checkString(userId, "UserError.userId");
  checkString(message, "UserError.message");
  w.ensure(32 + 3 * (userId.length + message.length));
  w.buf[w.pos++] = ERRORS_TAG;
  const at = w.reserveLength(1);
  if (userId !== "") {
    w.buf[w.pos++] = 0x0a;
    w.string(userId);
  }
  const code = error.code;
  if (code !== 0) {
    checkInt32(code, "UserError.code");
    w.buf[w.pos++] = 0x10;
    w.int32(code);
  }
  if (message !== "") {
    w.buf[w.pos++] = 0x1a;
    w.string(message);
  }
  if (hasUnknownFields(error._unknownFields)) writeUnknownFields(w, error._unknownFields!, 0);
  w.finishLength(at, 1, w.pos);
}

/** Whether a message carries unknown fields to write (ts-proto's decoder leaves `{}`). */
export function hasUnknownFields(fields: UnknownFields): boolean {
  if (fields === undefined) return false;
  for (const _ in fields) return true;
  return false;
}

/**
 * Writes unknown fields exactly as ts-proto does: keys are tags, in
 * `Object.entries` order (ascending for integer keys), each value written as
 * tag varint + the raw bytes. Rare (server-built messages have none), so this
 * path may allocate. Leaves at least `keepFree` bytes of room after them, for
 * the known fields the caller still has to write without capacity checks.
 */
export function writeUnknownFields(w: ByteWriter, fields: { [key: number]: Uint8Array[] }, keepFree: number): void {
  for (const [key, values] of Object.entries(fields)) {
    const tag = parseInt(key, 10);
    checkUint32(tag, "unknown field tag");
    if (!Array.isArray(values)) throw new EncodeError(`unknown field ${key} must be an array of Uint8Array`);
    for (const value of values) {
      if (!(value instanceof Uint8Array)) throw new EncodeError(`unknown field ${key} must be an array of Uint8Array`);
      w.ensure(5 + value.length + keepFree);
      w.varint32(tag);
      w.raw(value);
    }
  }
}
