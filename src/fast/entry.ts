// The one entry encoder shared by the response, the notification and the
// entry cache: a `UserStatus` (or `UserError`) as a complete repeated-field
// entry (tag, length, message), byte-identical to ts-proto's encoder.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../codec/errors.js";
import { ByteWriter, checkArray, checkInt32, checkString, checkUint32, widenLength, writeInt32, writeInt64Field, writeString, writeUint64Field } from "./writer.js";

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

/**
 * Room for an entry's fixed parts: its tag and a length prefix that may widen
 * to 5 bytes, 6 bytes of tag and length per string field, every scalar at its
 * widest (10-byte varint plus tag), with margin. Strings add 3 bytes per
 * UTF-16 unit on top.
 */
const ENTRY_FIXED_ROOM = 96;
/** Room per device: tags, lengths and a 10-byte platform, plus the entry's fields after the devices. */
const DEVICE_FIXED_ROOM = 96;

/** Grows `w` so that `bytes` more bytes fit after `pos`; returns the (new) buffer. */
function grow(w: ByteWriter, pos: number, bytes: number): Uint8Array {
  w.pos = pos;
  w.ensure(bytes);
  return w.buf;
}

/** Writes `status` as a `statuses` entry: tag 0x0a, length, UserStatus. */
export function writeUserStatusEntry(w: ByteWriter, status: UserStatus): void {
  const userId = status.userId;
  const customStatus = status.customStatus;
  if (typeof userId !== "string") checkString(userId, "UserStatus.userId");
  if (typeof customStatus !== "string") checkString(customStatus, "UserStatus.customStatus");
  const devices = status.onlineDevices;
  checkArray(devices, "UserStatus.onlineDevices");
  let buf = w.buf;
  let pos = w.pos;
  const room = ENTRY_FIXED_ROOM + 3 * (userId.length + customStatus.length);
  if (pos + room > buf.length) buf = grow(w, pos, room);
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
    checkInt32(statusType, "UserStatus.statusType");
    buf[pos++] = 0x10;
    pos = writeInt32(buf, pos, statusType);
  }
  if (customStatus.length !== 0) {
    buf[pos++] = 0x1a;
    pos = writeString(w, buf, pos, customStatus);
  }
  for (let i = 0; i < devices.length; i++) {
    const device = devices[i]!;
    const deviceId = device.deviceId;
    if (typeof deviceId !== "string") checkString(deviceId, "Device.deviceId");
    const deviceRoom = DEVICE_FIXED_ROOM + 3 * deviceId.length;
    if (pos + deviceRoom > buf.length) buf = grow(w, pos, deviceRoom);
    buf[pos] = 0x22;
    const deviceAt = pos + 1;
    pos += 2;
    if (deviceId.length !== 0) {
      buf[pos++] = 0x0a;
      pos = writeString(w, buf, pos, deviceId);
    }
    const platform = device.platform;
    if (platform !== 0) {
      checkInt32(platform, "Device.platform");
      buf[pos++] = 0x10;
      pos = writeInt32(buf, pos, platform);
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
  pos = writeUint64Field(buf, pos, 0x28, status.version, "UserStatus.version");
  pos = writeInt64Field(buf, pos, 0x30, status.changedAtMs, "UserStatus.changedAtMs");
  const reason = status.reason;
  if (reason !== 0) {
    checkInt32(reason, "UserStatus.reason");
    buf[pos++] = 0x38;
    pos = writeInt32(buf, pos, reason);
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

/** Writes `error` as a `GetUserStatusResponse.errors` entry: tag 0x12, length, UserError. */
export function writeUserErrorEntry(w: ByteWriter, error: UserError): void {
  const userId = error.userId;
  const message = error.message;
  if (typeof userId !== "string") checkString(userId, "UserError.userId");
  if (typeof message !== "string") checkString(message, "UserError.message");
  let buf = w.buf;
  let pos = w.pos;
  const room = ENTRY_FIXED_ROOM + 3 * (userId.length + message.length);
  if (pos + room > buf.length) buf = grow(w, pos, room);
  buf[pos] = ERRORS_TAG;
  const at = pos + 1;
  pos += 2;
  if (userId.length !== 0) {
    buf[pos++] = 0x0a;
    pos = writeString(w, buf, pos, userId);
  }
  const code = error.code;
  if (code !== 0) {
    checkInt32(code, "UserError.code");
    buf[pos++] = 0x10;
    pos = writeInt32(buf, pos, code);
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
