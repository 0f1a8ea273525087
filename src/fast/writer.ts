// A growable byte buffer with the few primitives the hand-tuned encoders need.
// Callers reserve capacity once per entry (an upper bound) and then write
// without per-byte bounds checks; the buffer is kept across calls, so steady
// state allocates nothing.
import { EncodeError } from "../codec/errors.js";
import { writeUtf8From } from "../wire/utf8.js";
import { varint32Size, writeInt32, writeVarint32 } from "../wire/varint.js";

export class ByteWriter {
  buf: Uint8Array;
  /** A DataView of `buf`, replaced with it. */
  view: DataView;
  pos = 0;

  constructor(initialCapacity = 64 * 1024) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
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
    this.view = new DataView(grown.buffer);
  }

  /** A uint32 varint. The caller has checked the range and made room. */
  varint32(value: number): void {
    this.pos = writeVarint32(this.buf, this.pos, value);
  }

  /** Copies raw bytes, making room for them. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
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

/**
 * Writes the length of the content in `[at + reservedBytes, end)` into the
 * prefix reserved at `at`, moving the content when the length needs another
 * width (growing the buffer if it needs more room). Returns the new end and
 * leaves it in `w.pos`.
 */
export function finishLength(w: ByteWriter, at: number, reservedBytes: number, end: number): number {
  const length = end - at - reservedBytes;
  const neededBytes = varint32Size(length);
  if (neededBytes !== reservedBytes) {
    // copyWithin would silently clamp at the buffer's end.
    if (neededBytes > reservedBytes) growAt(w, end, neededBytes - reservedBytes);
    w.buf.copyWithin(at + neededBytes, at + reservedBytes, end);
  }
  writeVarint32(w.buf, at, length);
  w.pos = at + neededBytes + length;
  return w.pos;
}

/**
 * A length-prefixed string at `pos` as UTF-8, exactly as TextEncoder writes it
 * (a lone surrogate becomes U+FFFD). Needs `3 * value.length + 5` bytes of
 * room. ASCII goes four units to one 4-byte store (fewer stores and loop
 * turns than a unit at a time: ~5% of the encode, in-process A/B), then a unit
 * at a time for the rest, handing over to the general UTF-8 loop at the
 * first non-ASCII unit; a one-byte length is widened (the content moved) for
 * 128 bytes and more.
 *
 * No native call: Buffer#write costs ~0.2 µs a call, a JS loop ~1 ns an ASCII
 * unit. And no callee V8 would inline (writeUtf8From is over V8's 460-byte
 * inlining limit; finishLength runs only for long strings): the size this
 * function adds to its callers' inlining budget is then the same in every
 * process (see entry.ts).
 */
export function writeString(w: ByteWriter, buf: Uint8Array, pos: number, value: string): number {
  const units = value.length;
  let p = pos + 1;
  let i = 0;
  const view = w.view;
  for (; i + 4 <= units; i += 4) {
    const c0 = value.charCodeAt(i);
    const c1 = value.charCodeAt(i + 1);
    const c2 = value.charCodeAt(i + 2);
    const c3 = value.charCodeAt(i + 3);
    if ((c0 | c1 | c2 | c3) >= 0x80) break;
    view.setUint32(p, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24), true);
    p += 4;
  }
  for (; i < units; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x80) {
      p = writeUtf8From(buf, p, value, i);
      break;
    }
    buf[p++] = code;
  }
  const length = p - pos - 1;
  if (length >= 0x80) return finishLength(w, pos, 1, p);
  buf[pos] = length;
  return p;
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
