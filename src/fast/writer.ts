// A growable byte buffer with the few primitives the hand-tuned encoders need.
// Callers reserve capacity once per entry (an upper bound) and then write
// without per-byte bounds checks; the buffer is kept across calls, so steady
// state allocates nothing.
import { EncodeError } from "../codec/errors.js";
import { writeUtf8 } from "./utf8.js";

/** Bytes a uint32 varint takes. */
export function varint32Size(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Longest string (in UTF-16 units) whose UTF-8 form always fits a one-byte length (3 * 42 < 128). */
const ONE_BYTE_LENGTH_MAX_UNITS = 42;

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

// Splits a 64-bit integer into two uint32 words without allocating.
const wordsOf64 = new BigUint64Array(1);
const wordsOf64Signed = new BigInt64Array(wordsOf64.buffer);
const words32 = new Uint32Array(wordsOf64.buffer);
const UINT64_MAX = 2n ** 64n - 1n;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;
  /** A Node Buffer over `buf` (same memory), for native UTF-8 writes of long strings. */
  private native: NativeUtf8View | undefined;

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

  /** An int32 varint: negative values take 10 bytes (sign-extended to 64 bits), as protobuf requires. */
  int32(value: number): void {
    if (value >= 0) {
      this.varint32(value);
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 9; i++) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>= 7;
    }
    buf[pos++] = 1;
    this.pos = pos;
  }

  /** A 64-bit varint from its low and high uint32 words. */
  varint64(lo: number, hi: number): void {
    if (hi === 0) {
      this.varint32(lo);
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 4; i++) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    // Byte 5 holds the top 4 bits of lo and the low 3 bits of hi.
    let rest = hi;
    let byte = lo | ((rest & 0x07) << 4);
    rest >>>= 3;
    while (rest !== 0) {
      buf[pos++] = byte | 0x80;
      byte = rest & 0x7f;
      rest >>>= 7;
    }
    buf[pos++] = byte;
    this.pos = pos;
  }

  /** A uint64 varint; the caller has checked that `value` is a bigint in range. */
  uint64(value: bigint): void {
    wordsOf64[0] = value;
    this.varint64(words32[0]!, words32[1]!);
  }

  /** An int64 varint (two's complement, negatives take 10 bytes). */
  int64(value: bigint): void {
    wordsOf64Signed[0] = value;
    this.varint64(words32[0]!, words32[1]!);
  }

  /**
   * A length-prefixed string as UTF-8, written exactly as TextEncoder does:
   * a lone surrogate becomes U+FFFD (EF BF BD), so the output is always valid
   * UTF-8. Needs `3 * value.length + 5` bytes of room.
   */
  string(value: string): void {
    const units = value.length;
    const prefixBytes = units <= ONE_BYTE_LENGTH_MAX_UNITS ? 1 : varint32Size(units * 3);
    const start = this.pos + prefixBytes;
    const end =
      units >= NATIVE_UTF8_MIN_UNITS && this.native !== undefined
        ? start + this.native.write(value, start)
        : writeUtf8(this.buf, start, value);
    this.finishLength(this.pos, prefixBytes, end);
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

// Range checks. The generated codec throws a plain Error for these; the fast
// path throws the library's typed EncodeError instead of writing wrong bytes.

export function checkString(value: unknown, field: string): asserts value is string {
  if (typeof value !== "string") throw new EncodeError(`${field} must be a string, got ${typeof value}`);
}

export function checkArray(value: unknown, field: string): asserts value is unknown[] {
  if (!Array.isArray(value)) throw new EncodeError(`${field} must be an array`);
}

export function checkInt32(value: number, field: string): void {
  if ((value | 0) !== value) throw new EncodeError(`${field} must be an int32, got ${String(value)}`);
}

export function checkUint32(value: number, field: string): void {
  if (value >>> 0 !== value) throw new EncodeError(`${field} must be a uint32, got ${String(value)}`);
}

export function checkUint64(value: bigint, field: string): void {
  if (typeof value !== "bigint" || value < 0n || value > UINT64_MAX) {
    throw new EncodeError(`${field} must be a uint64 bigint, got ${String(value)}`);
  }
}

export function checkInt64(value: bigint, field: string): void {
  if (typeof value !== "bigint" || value < INT64_MIN || value > INT64_MAX) {
    throw new EncodeError(`${field} must be an int64 bigint, got ${String(value)}`);
  }
}
