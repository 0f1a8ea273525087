// The one entry encoder shared by the entry cache and the single-pass
// encoder: a `UserStatus` (or `UserError`) as a complete repeated-field entry
// (tag, length, message), byte-identical to ts-proto's encoder.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../codec/errors.js";
import { ByteWriter, fieldError, finishLength, growAt, writeCheckedInt32, writeString } from "./writer.js";

type UnknownFields = { [key: number]: Uint8Array[] } | undefined;

// The entry writers keep `buf` and `pos` in locals and write tags and
// one-byte values inline. Room is checked once per entry (its fixed fields
// plus its strings) and once per device against a generous bound, so the
// writes in between need no checks. Field tags are literals, each named in a
// comment: read from a module constant, every use is a context load and a
// hole check (measured 7% of the encode, in-process A/B; src/fast/tags.ts
// holds the frame's tags, written once per frame).
//
// Inlining decides whether a fresh process is fast. TurboFan inlines callees
// until ~920 bytes of bytecode per function, and for a callee that already
// has optimized code of its own it also counts what that code inlined: which
// helpers the concurrent compiler optimized first would then decide, process
// by process, which string loops a writer inlines. So the status writer
// writes its two 64-bit fields itself (as a function, 418 bytes: most of the
// budget), its helpers inline nothing (writeString calls only writeUtf8From,
// too big to inline), and their total stays under the budget whatever was
// optimized first: the same inlining in every process. The status writer
// itself is over V8's 460-byte limit, so it is never inlined into a caller.

/**
 * Room for an entry's fixed parts: its tag and a length prefix that may widen
 * to 5 bytes, 6 bytes of tag and length per string field (a length may widen
 * to 5 bytes too), every scalar at its widest (10-byte varint plus tag; the
 * epoch's stores take 12), with margin. Strings add 3 bytes per UTF-16 unit on top.
 */
const ENTRY_FIXED_ROOM = 96;
/** Room per device: tags, lengths and a 10-byte platform, plus the entry's fields after the devices. */
const DEVICE_FIXED_ROOM = 96;

// Splits a 64-bit integer into two uint32 words without allocating.
const wordsOf64 = new BigUint64Array(1);
const wordsOf64Signed = new BigInt64Array(wordsOf64.buffer);
const words32 = new Uint32Array(wordsOf64.buffer);

/** Writes `status` as a `statuses` entry: tag 0x0a, length, UserStatus. */
export function writeUserStatusEntry(w: ByteWriter, status: UserStatus): void {
  // Only null and undefined would fail as a TypeError below; other non-objects fail the field checks.
  if (status == null) throw fieldError("a statuses entry", "a UserStatus object", status);
  const userId = status.userId;
  const customStatus = status.customStatus;
  const devices = status.onlineDevices;
  if (typeof userId !== "string") throw fieldError("UserStatus.userId", "a string", userId);
  if (typeof customStatus !== "string") throw fieldError("UserStatus.customStatus", "a string", customStatus);
  if (!Array.isArray(devices)) throw fieldError("UserStatus.onlineDevices", "an array", devices);
  const at = beginEntry(w, 0x0a /* statuses */, ENTRY_FIXED_ROOM + 3 * (userId.length + customStatus.length));
  let buf = w.buf;
  let pos = writeStringField(w, buf, at + 1, 0x0a /* user_id */, userId);
  pos = writeEnumField(buf, pos, 0x10 /* status_type */, status.statusType, "UserStatus.statusType");
  pos = writeStringField(w, buf, pos, 0x1a /* custom_status */, customStatus);
  if (devices.length !== 0) {
    pos = writeDevices(w, pos, devices);
    buf = w.buf;
  }
  // version (uint64) and changed_at_ms (int64), each omitted when 0n. The
  // words stay in locals: passed to a function that is not inlined, words
  // above 2^30 are boxed as heap numbers (4.5 KB per 500 statuses, measured).
  // The two varints are written out one after the other, not by a loop over
  // the two fields (5% faster, in-process A/B) nor by a helper (inlined
  // twice, it would take the string writers' inlining budget).
  const version = status.version;
  const changedAtMs = status.changedAtMs;
  if (typeof version !== "bigint" || BigInt.asUintN(64, version) !== version) throw fieldError("UserStatus.version", "a uint64 bigint", version);
  if (typeof changedAtMs !== "bigint" || BigInt.asIntN(64, changedAtMs) !== changedAtMs) {
    throw fieldError("UserStatus.changedAtMs", "an int64 bigint", changedAtMs);
  }
  wordsOf64[0] = version;
  let lo = words32[0]!;
  let hi = words32[1]!;
  if ((lo | hi) !== 0) {
    buf[pos++] = 0x28 /* version */;
    if (hi === 0) {
      while (lo > 0x7f) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      buf[pos++] = lo;
    } else {
      for (let i = 0; i < 4; i++) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      // Byte 5 holds the top 4 bits of lo and the low 3 bits of hi.
      let rest = hi >>> 3;
      let byte = lo | ((hi & 0x07) << 4);
      while (rest !== 0) {
        buf[pos++] = byte | 0x80;
        byte = rest & 0x7f;
        rest >>>= 7;
      }
      buf[pos++] = byte;
    }
  }
  wordsOf64Signed[0] = changedAtMs;
  lo = words32[0]!;
  hi = words32[1]!;
  if ((lo | hi) !== 0) {
    buf[pos++] = 0x30 /* changed_at_ms */;
    if (hi === 0) {
      while (lo > 0x7f) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      buf[pos++] = lo;
    } else {
      for (let i = 0; i < 4; i++) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      let rest = hi >>> 3;
      let byte = lo | ((hi & 0x07) << 4);
      while (rest !== 0) {
        buf[pos++] = byte | 0x80;
        byte = rest & 0x7f;
        rest >>>= 7;
      }
      buf[pos++] = byte;
    }
  }
  pos = writeEnumField(buf, pos, 0x38 /* reason */, status.reason, "UserStatus.reason");
  const epoch = status.epoch;
  if (epoch !== 0n) {
    if (epoch !== epochField.value) setEpochField(epoch);
    // Three 4-byte stores of the field's bytes (and zeros after them, within
    // the entry's room) cost less than a byte loop or a native Uint8Array#set.
    const view = w.view;
    view.setUint32(pos, epochField.word0, true);
    view.setUint32(pos + 4, epochField.word1, true);
    view.setUint32(pos + 8, epochField.word2, true);
    pos += epochField.length;
  }
  endEntry(w, buf, at, pos, status._unknownFields, 0);
}

// A server announces one epoch for a long time, so the field's bytes (tag
// and varint, at most 11) are kept as three little-endian words, not
// re-encoded per entry; setEpochField runs only when it changes (a call that
// rare is not inlined, so the status writer's inlining budget stays for its
// string writers).
const epochField = { value: 0n, length: 0, word0: 0, word1: 0, word2: 0 };

function setEpochField(epoch: unknown): void {
  if (typeof epoch !== "bigint" || BigInt.asUintN(64, epoch) !== epoch) throw fieldError("UserStatus.epoch", "a uint64 bigint", epoch);
  const bytes = new DataView(new ArrayBuffer(12));
  bytes.setUint8(0, 0x40 /* epoch */);
  let length = 1;
  for (let rest = epoch; ; rest >>= 7n) {
    if (rest < 0x80n) {
      bytes.setUint8(length++, Number(rest));
      break;
    }
    bytes.setUint8(length++, Number(rest & 0x7fn) | 0x80);
  }
  epochField.value = epoch;
  epochField.length = length;
  epochField.word0 = bytes.getUint32(0, true);
  epochField.word1 = bytes.getUint32(4, true);
  epochField.word2 = bytes.getUint32(8, true);
}

/** Writes `devices` as `online_devices` entries (tag 0x22) at `pos`; returns the end, also left in `w.pos` (the buffer may have grown). */
function writeDevices(w: ByteWriter, pos: number, devices: Device[]): number {
  for (let i = 0; i < devices.length; i++) {
    const device = devices[i]!;
    if (device == null) throw fieldError("a UserStatus.onlineDevices entry", "a Device object", device);
    const deviceId = device.deviceId;
    if (typeof deviceId !== "string") throw fieldError("Device.deviceId", "a string", deviceId);
    w.pos = pos;
    const at = beginEntry(w, 0x22 /* online_devices */, DEVICE_FIXED_ROOM + 3 * deviceId.length);
    const buf = w.buf;
    pos = writeStringField(w, buf, at + 1, 0x0a /* device_id */, deviceId);
    pos = writeEnumField(buf, pos, 0x10 /* platform */, device.platform, "Device.platform");
    pos = endEntry(w, buf, at, pos, device._unknownFields, DEVICE_FIXED_ROOM);
  }
  return pos;
}

/** Writes `error` as a `GetUserStatusResponse.errors` entry: tag 0x12, length, UserError. */
export function writeUserErrorEntry(w: ByteWriter, error: UserError): void {
  if (error == null) throw fieldError("a GetUserStatusResponse.errors entry", "a UserError object", error);
  const userId = error.userId;
  const message = error.message;
  if (typeof userId !== "string") throw fieldError("UserError.userId", "a string", userId);
  if (typeof message !== "string") throw fieldError("UserError.message", "a string", message);
  const at = beginEntry(w, 0x12 /* errors */, ENTRY_FIXED_ROOM + 3 * (userId.length + message.length));
  const buf = w.buf;
  let pos = writeStringField(w, buf, at + 1, 0x0a /* user_id */, userId);
  const code = error.code;
  if (code !== 0) {
    buf[pos++] = 0x10 /* code */;
    pos = writeCheckedInt32(buf, pos, code, "UserError.code");
  }
  pos = writeStringField(w, buf, pos, 0x1a /* message */, message);
  endEntry(w, buf, at, pos, error._unknownFields, 0);
}

/**
 * Starts an entry at `w.pos` with `room` bytes free after it: its tag and a
 * one-byte length, filled in by `endEntry`. Returns where the length goes;
 * the content starts right after it.
 */
function beginEntry(w: ByteWriter, tag: number, room: number): number {
  const pos = w.pos;
  const buf = pos + room > w.buf.length ? growAt(w, pos, room) : w.buf;
  buf[pos] = tag;
  return pos + 1;
}

/** A string field at `pos` (omitted when empty, as proto3 omits it); returns the end. */
function writeStringField(w: ByteWriter, buf: Uint8Array, pos: number, tag: number, value: string): number {
  if (value.length === 0) return pos;
  buf[pos] = tag;
  return writeString(w, buf, pos + 1, value);
}

/**
 * An enum field at `pos` (omitted when 0): every value the spec defines is one
 * byte; anything else (other numbers, or not an int32 at all) goes to the
 * checked writer. Returns the end.
 */
function writeEnumField(buf: Uint8Array, pos: number, tag: number, value: number, field: string): number {
  if (value === 0) return pos;
  buf[pos] = tag;
  if (typeof value === "number" && (value & 0x7f) === value) {
    buf[pos + 1] = value;
    return pos + 2;
  }
  return writeCheckedInt32(buf, pos + 1, value, field);
}

/**
 * Ends the entry whose length goes at `at` and whose content ends at `pos`:
 * its unknown fields (rare; then at least `keepFree` bytes stay free for the
 * caller), then its length, widened (the content moved) for entries of 128
 * bytes and more. Returns the end, also left in `w.pos` (the buffer may have grown).
 */
function endEntry(w: ByteWriter, buf: Uint8Array, at: number, pos: number, unknown: UnknownFields, keepFree: number): number {
  if (unknown !== undefined && hasUnknownFields(unknown)) {
    w.pos = pos;
    writeUnknownFields(w, unknown, keepFree);
    buf = w.buf;
    pos = w.pos;
  }
  const length = pos - at - 1;
  if (length >= 0x80) return finishLength(w, at, 1, pos);
  buf[at] = length;
  w.pos = pos;
  return pos;
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
