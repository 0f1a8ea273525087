// The one entry encoder shared by the response, the notification and the
// entry cache: a `UserStatus` (or `UserError`) as a complete repeated-field
// entry (tag, length, message), byte-identical to ts-proto's encoder.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../codec/errors.js";
import { ByteWriter, fieldError, growAt, widenLength, writeCheckedInt32, writeString, writeVersionFields } from "./writer.js";

/** Tag of `statuses` (field 1, length-delimited) in both GetUserStatusResponse and UserStatusChangedNotification. */
const STATUSES_TAG = 0x0a;
/** Tag of `GetUserStatusResponse.errors` (field 2, length-delimited). */
const ERRORS_TAG = 0x12;

type UnknownFields = { [key: number]: Uint8Array[] } | undefined;

// The entry writers keep `buf` and `pos` in locals and write bytes inline:
// one concrete function per message type, no per-field method calls. Room is
// checked once per variable-length piece (the entry's fixed fields plus its
// two strings, then each device) against a generous bound, so the writes in
// between need no checks. `w.pos` is stored back before anything that may
// grow the buffer and at the end.
//
// V8 stops inlining into a function after ~920 bytes of inlined bytecode, so
// the split is deliberate: the status writer inlines its two strings, the
// device loop is its own function (inlining its string), and both 64-bit
// fields are one call. Error paths are calls that never run on valid input.

/**
 * Room for an entry's fixed parts: its tag and a length prefix that may widen
 * to 5 bytes, 6 bytes of tag and length per string field, every scalar at its
 * widest (10-byte varint plus tag), with margin. Strings add 3 bytes per
 * UTF-16 unit on top.
 */
const ENTRY_FIXED_ROOM = 96;
/** Room per device: tags, lengths and a 10-byte platform, plus the entry's fields after the devices. */
const DEVICE_FIXED_ROOM = 96;

/** Writes `status` as a `statuses` entry: tag 0x0a, length, UserStatus. */
export function writeUserStatusEntry(w: ByteWriter, status: UserStatus): void {
  const userId = status.userId;
  const customStatus = status.customStatus;
  const devices = status.onlineDevices;
  if (typeof userId !== "string") throw fieldError("UserStatus.userId", "a string", userId);
  if (typeof customStatus !== "string") throw fieldError("UserStatus.customStatus", "a string", customStatus);
  if (!Array.isArray(devices)) throw fieldError("UserStatus.onlineDevices", "an array", devices);
  let buf = w.buf;
  let pos = w.pos;
  const room = ENTRY_FIXED_ROOM + 3 * (userId.length + customStatus.length);
  if (pos + room > buf.length) buf = growAt(w, pos, room);
  buf[pos] = STATUSES_TAG;
  // Most entries are under 128 bytes: reserve one length byte, widen if not.
  const at = pos + 1;
  pos += 2;
  if (userId.length !== 0) {
    buf[pos++] = 0x0a;
    pos = writeString(w, buf, pos, userId);
  }
  const statusType = status.statusType;
  if (statusType !== 0) {
    buf[pos++] = 0x10;
    if (typeof statusType === "number" && (statusType & 0x7f) === statusType) buf[pos++] = statusType;
    else pos = writeCheckedInt32(buf, pos, statusType, "UserStatus.statusType");
  }
  if (customStatus.length !== 0) {
    buf[pos++] = 0x1a;
    pos = writeString(w, buf, pos, customStatus);
  }
  if (devices.length !== 0) {
    pos = writeDevices(w, pos, devices);
    buf = w.buf;
  }
  pos = writeVersionFields(buf, pos, status.version, status.changedAtMs);
  const reason = status.reason;
  if (reason !== 0) {
    buf[pos++] = 0x38;
    if (typeof reason === "number" && (reason & 0x7f) === reason) buf[pos++] = reason;
    else pos = writeCheckedInt32(buf, pos, reason, "UserStatus.reason");
  }
  const unknown = status._unknownFields;
  if (unknown !== undefined && hasUnknownFields(unknown)) {
    w.pos = pos;
    writeUnknownFields(w, unknown, 0);
    buf = w.buf;
    pos = w.pos;
  }
  const length = pos - at - 1;
  if (length < 0x80) {
    buf[at] = length;
    w.pos = pos;
  } else {
    w.pos = widenLength(w, at, pos);
  }
}

/** Writes `devices` as `online_devices` entries (tag 0x22) at `pos`; returns the end, also left in `w.pos` (the buffer may have grown). */
function writeDevices(w: ByteWriter, pos: number, devices: Device[]): number {
  let buf = w.buf;
  for (let i = 0; i < devices.length; i++) {
    const device = devices[i]!;
    const deviceId = device.deviceId;
    if (typeof deviceId !== "string") throw fieldError("Device.deviceId", "a string", deviceId);
    const deviceRoom = DEVICE_FIXED_ROOM + 3 * deviceId.length;
    if (pos + deviceRoom > buf.length) buf = growAt(w, pos, deviceRoom);
    buf[pos] = 0x22;
    const deviceAt = pos + 1;
    pos += 2;
    if (deviceId.length !== 0) {
      buf[pos++] = 0x0a;
      pos = writeString(w, buf, pos, deviceId);
    }
    const platform = device.platform;
    if (platform !== 0) {
      buf[pos++] = 0x10;
      if (typeof platform === "number" && (platform & 0x7f) === platform) buf[pos++] = platform;
      else pos = writeCheckedInt32(buf, pos, platform, "Device.platform");
    }
    const deviceUnknown = device._unknownFields;
    if (deviceUnknown !== undefined && hasUnknownFields(deviceUnknown)) {
      w.pos = pos;
      writeUnknownFields(w, deviceUnknown, DEVICE_FIXED_ROOM);
      buf = w.buf;
      pos = w.pos;
    }
    const deviceLength = pos - deviceAt - 1;
    if (deviceLength < 0x80) buf[deviceAt] = deviceLength;
    else {
      pos = widenLength(w, deviceAt, pos);
      buf = w.buf;
    }
  }
  w.pos = pos;
  return pos;
}

/** Writes `error` as a `GetUserStatusResponse.errors` entry: tag 0x12, length, UserError. */
export function writeUserErrorEntry(w: ByteWriter, error: UserError): void {
  const userId = error.userId;
  const message = error.message;
  if (typeof userId !== "string") throw fieldError("UserError.userId", "a string", userId);
  if (typeof message !== "string") throw fieldError("UserError.message", "a string", message);
  let buf = w.buf;
  let pos = w.pos;
  const room = ENTRY_FIXED_ROOM + 3 * (userId.length + message.length);
  if (pos + room > buf.length) buf = growAt(w, pos, room);
  buf[pos] = ERRORS_TAG;
  const at = pos + 1;
  pos += 2;
  if (userId.length !== 0) {
    buf[pos++] = 0x0a;
    pos = writeString(w, buf, pos, userId);
  }
  const code = error.code;
  if (code !== 0) {
    buf[pos++] = 0x10;
    pos = writeCheckedInt32(buf, pos, code, "UserError.code");
  }
  if (message.length !== 0) {
    buf[pos++] = 0x1a;
    pos = writeString(w, buf, pos, message);
  }
  const unknown = error._unknownFields;
  if (unknown !== undefined && hasUnknownFields(unknown)) {
    w.pos = pos;
    writeUnknownFields(w, unknown, 0);
    buf = w.buf;
    pos = w.pos;
  }
  const length = pos - at - 1;
  if (length < 0x80) {
    buf[at] = length;
    w.pos = pos;
  } else {
    w.pos = widenLength(w, at, pos);
  }
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
    if (tag >>> 0 !== tag) throw fieldError("unknown field tag", "a uint32", key);
    if (!Array.isArray(values)) throw new EncodeError(`unknown field ${key} must be an array of Uint8Array`);
    for (const value of values) {
      if (!(value instanceof Uint8Array)) throw new EncodeError(`unknown field ${key} must be an array of Uint8Array`);
      w.ensure(5 + value.length + keepFree);
      w.varint32(tag);
      w.raw(value);
    }
  }
}
