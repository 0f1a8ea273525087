// A growable byte buffer with the few primitives the hand-tuned encoders need.
// Callers reserve capacity once per entry (an upper bound) and then write
// without per-byte bounds checks; the buffer is kept across calls, so steady
// state allocates nothing.
import { EncodeError } from "../codec/errors.js";
import { writeUtf8, writeUtf8From } from "./utf8.js";

/** Bytes a uint32 varint takes. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/**
 * Above this many UTF-16 units one native call (Node's Buffer#write, ~0.2 µs
 * flat) beats the JS loop (a few ns per unit). Buffer#write, like
 * TextEncoder, writes a lone surrogate as U+FFFD.
 */
const NATIVE_UTF8_MIN_UNITS = 40;

/** The part of Node's Buffer used here; absent outside Node, where the JS loop does all strings. */
interface NativeUtf8View {
  write(value: string, offset: number): number;
}
const NodeBuffer = (globalThis as { Buffer?: { from(buffer: ArrayBuffer, offset: number, length: number): NativeUtf8View } }).Buffer;

function nativeViewOf(buf: Uint8Array): NativeUtf8View | undefined {
  return NodeBuffer?.from(buf.buffer as ArrayBuffer, buf.byteOffset, buf.byteLength);
}

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** A Node Buffer over `buf` (same memory), for native UTF-8 writes of long strings. */
  native: NativeUtf8View | undefined;

  constructor(initialCapacity = 64 * 1024) {
    this.buf = new Uint8Array(initialCapacity);
    this.native = nativeViewOf(this.buf);
  }

  /** Makes room for `bytes` more bytes. Growth copies; steady state never grows. */
  ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buf.length) return;
    let size = Math.max(this.buf.length * 2, 64);
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.native = nativeViewOf(grown);
  }

  /** A uint32 varint. The caller has checked the range. */
  varint32(value: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** Reserves `prefixBytes` for a length prefix and returns where it starts. */
  reserveLength(prefixBytes: number): number {
    const at = this.pos;
    this.pos = at + prefixBytes;
    return at;
  }

  /**
   * Writes the length of the content between the reserved prefix at `at` and
   * `end`, moving the content when the length needs a different number of
   * bytes than was reserved.
   */
  finishLength(at: number, reservedBytes: number, end: number): void {
    const length = end - at - reservedBytes;
    const neededBytes = varint32Size(length);
    if (neededBytes !== reservedBytes) {
      if (neededBytes > reservedBytes) {
        // Callers' bounds count 5 bytes per prefix, so this only matters at
        // the top level; copyWithin would silently clamp at the buffer's end.
        this.pos = end;
        this.ensure(neededBytes - reservedBytes);
      }
      this.buf.copyWithin(at + neededBytes, at + reservedBytes, end);
    }
    this.pos = at;
    this.varint32(length);
    this.pos = at + neededBytes + length;
  }

  /** Copies raw bytes (needs `bytes.length` of room). */
  raw(bytes: Uint8Array): void {
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }
}

/** Stores `pos` in `w`, grows it so that `bytes` more bytes fit there, and returns the (new) buffer. */
export function growAt(w: ByteWriter, pos: number, bytes: number): Uint8Array {
  w.pos = pos;
  w.ensure(bytes);
  return w.buf;
}

// Inline-style primitives for the entry writers: they take the buffer and a
// position held in the caller's locals and return the new position. The
// caller has made room (see entry.ts).

/**
 * A length-prefixed string at `pos` as UTF-8, exactly as TextEncoder writes it
 * (a lone surrogate becomes U+FFFD). Needs `3 * value.length + 5` bytes of
 * room (plus 4 more if the prefix has to widen). Short strings: a tight
 * ASCII loop that hands over to the general one at the first non-ASCII unit.
 * Long ones: one native call (Buffer#write).
 */
export function writeString(w: ByteWriter, buf: Uint8Array, pos: number, value: string): number {
  const units = value.length;
  // Kept small so that V8 inlines it into the entry writers.
  if (units >= NATIVE_UTF8_MIN_UNITS) return writeLongString(w, buf, pos, value);
  // Under 40 units: at most 117 bytes, a one-byte length.
  let p = pos + 1;
  for (let i = 0; i < units; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) {
      p = writeUtf8From(buf, p, value, i);
      break;
    }
    buf[p++] = code;
  }
  buf[pos] = p - pos - 1;
  return p;
}

function writeLongString(w: ByteWriter, buf: Uint8Array, pos: number, value: string): number {
  const units = value.length;
  if (w.native === undefined) {
    // No Buffer (not Node): the JS loop, with a prefix sized for the worst case.
    const prefixBytes = varint32Size(units * 3);
    const end = writeUtf8(buf, pos + prefixBytes, value);
    return finishLengthAt(w, buf, pos, prefixBytes, end);
  }
  // Guess one byte of prefix below 128 units (mostly ASCII), else the worst case.
  const prefixBytes = units < 0x80 ? 1 : varint32Size(units * 3);
  const end = pos + prefixBytes + w.native.write(value, pos + prefixBytes);
  return finishLengthAt(w, buf, pos, prefixBytes, end);
}

/** Writes the length of `[at + reserved, end)` at `at`, moving the content when the prefix needs another width; returns the end. */
function finishLengthAt(w: ByteWriter, buf: Uint8Array, at: number, reservedBytes: number, end: number): number {
  const length = end - at - reservedBytes;
  const neededBytes = varint32Size(length);
  if (neededBytes === reservedBytes) {
    writeVarint32(buf, at, length);
    return end;
  }
  // The caller's room counts 5 bytes per prefix, so moving right stays inside `buf`.
  buf.copyWithin(at + neededBytes, at + reservedBytes, end);
  writeVarint32(buf, at, length);
  return at + neededBytes + length;
}

/**
 * The content in `[at + 1, end)` got a one-byte length prefix reserved at `at`
 * but is 128 bytes or longer: moves it to make room for the wider prefix,
 * growing the buffer if needed. Returns the new end (and leaves `w.pos` there).
 */
export function widenLength(w: ByteWriter, at: number, end: number): number {
  w.pos = end;
  w.finishLength(at, 1, end);
  return w.pos;
}

/** A uint32 varint at `pos`; returns the new position. */
export function writeVarint32(buf: Uint8Array, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** An int32 varint (negatives sign-extended to 10 bytes); the caller has checked the range. */
export function writeInt32(buf: Uint8Array, pos: number, value: number): number {
  if (value >= 0 && value < 0x80) {
    buf[pos] = value;
    return pos + 1;
  }
  if (value >= 0) return writeVarint32(buf, pos, value);
  for (let i = 0; i < 9; i++) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>= 7;
  }
  buf[pos++] = 1;
  return pos;
}

// Splits a 64-bit integer into two uint32 words without allocating.
const wordsOf64 = new BigUint64Array(1);
const wordsOf64Signed = new BigInt64Array(wordsOf64.buffer);
const words32 = new Uint32Array(wordsOf64.buffer);

/**
 * `UserStatus.version` (field 5, uint64) and `changed_at_ms` (field 6,
 * int64), each omitted when 0n as proto3 omits it: one function for both, so
 * an entry makes one call. The words stay in locals: passing them (often
 * above 2^30, not small integers) to another function would box each one in a
 * heap number. Measured per value (bench dataset timestamps, this machine):
 * BigInt.asUintN check ~4 ns, typed-array split ~1 ns, the varint ~10 ns;
 * Number(value) for a number fast path ~30 ns (bigint-to-double is slow).
 */
export function writeVersionFields(buf: Uint8Array, pos: number, version: bigint, changedAtMs: bigint): number {
  if (typeof version !== "bigint" || BigInt.asUintN(64, version) !== version) throw fieldError("UserStatus.version", "a uint64 bigint", version);
  if (typeof changedAtMs !== "bigint" || BigInt.asIntN(64, changedAtMs) !== changedAtMs) {
    throw fieldError("UserStatus.changedAtMs", "an int64 bigint", changedAtMs);
  }
  for (let field = 0; field < 2; field++) {
    if (field === 0) wordsOf64[0] = version;
    else wordsOf64Signed[0] = changedAtMs;
    let lo = words32[0]!;
    const hi = words32[1]!;
    if ((lo | hi) === 0) continue;
    buf[pos++] = field === 0 ? 0x28 : 0x30;
    if (hi === 0) {
      while (lo > 0x7f) {
        buf[pos++] = (lo & 0x7f) | 0x80;
        lo >>>= 7;
      }
      buf[pos++] = lo;
      continue;
    }
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
  return pos;
}

// Range checks are inline in the writers (`if (bad) throw fieldError(...)`).
// The error is built in a separate function that the hot path never calls,
// so V8 neither inlines it nor counts it against the inlining budget of the
// entry writers (measured: ~5% of a 500-status encode). The generated codec
// throws a plain Error for these; the fast path throws the library's typed
// EncodeError instead of writing wrong bytes.

/** The error for a field whose value has the wrong type or range. */
export function fieldError(field: string, expected: string, value: unknown): EncodeError {
  const got = typeof value === "object" || typeof value === "function" ? (value === null ? "null" : typeof value) : String(value);
  return new EncodeError(`${field} must be ${expected}, got ${got}`);
}

/**
 * An int32 or enum value after its tag, for values outside 0-127: the entry
 * writers store those (every value the spec's enums define) as one byte
 * inline, after `typeof value === "number" && (value & 0x7f) === value`,
 * which sends non-integers and non-numbers here to be rejected.
 */
export function writeCheckedInt32(buf: Uint8Array, pos: number, value: number, field: string): number {
  if (typeof value !== "number" || (value | 0) !== value) throw fieldError(field, "an int32", value);
  return writeInt32(buf, pos, value);
}
