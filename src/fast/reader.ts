// Bounds-checked wire-format primitives for the fast decoder. Every read is
// checked against `limit`, the end of the message being decoded, and fails
// with a typed DecodeError.
import { DecodeError } from "../codec/errors.js";
import { readString } from "./strings.js";

/** Deepest nesting (messages and groups), the same limit as the general codec (src/codec/wire-check.ts). */
const MAX_NESTING_DEPTH = 64;

const words32 = new Uint32Array(2);
const asUint64 = new BigUint64Array(words32.buffer);
const asInt64 = new BigInt64Array(words32.buffer);

export class Reader {
  pos = 0;
  /** High word of the last `varint64`. */
  hi = 0;

  constructor(readonly buf: Uint8Array) {}

  /** A varint's low 32 bits (as int32 bit pattern), up to 10 bytes; the rest is dropped as protobuf prescribes for 32-bit fields. */
  varint32(limit: number): number {
    const pos = this.pos;
    if (pos < limit) {
      const b = this.buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.varint64(limit);
  }

  /** A varint up to 10 bytes: returns the low word (int32 bit pattern) and leaves the high word in `hi`. */
  varint64(limit: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= limit) throw truncated(pos);
      const b = buf[pos++]!;
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.done(pos, lo, 0);
    }
    if (pos >= limit) throw truncated(pos);
    const middle = buf[pos++]!;
    lo |= (middle & 0x0f) << 28;
    hi = (middle & 0x7f) >> 4;
    if (middle < 0x80) return this.done(pos, lo, hi);
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= limit) throw truncated(pos);
      const b = buf[pos++]!;
      // The 10th byte carries only bit 63.
      if (shift === 31 && b > 1) throw new DecodeError("overlong-varint", "varint 10th byte above 1", pos - 1);
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.done(pos, lo, hi);
    }
    throw new DecodeError("overlong-varint", "varint longer than 10 bytes", pos);
  }

  private done(pos: number, lo: number, hi: number): number {
    this.pos = pos;
    this.hi = hi;
    return lo;
  }

  uint64(limit: number): bigint {
    words32[0] = this.varint64(limit);
    words32[1] = this.hi;
    return asUint64[0]!;
  }

  int64(limit: number): bigint {
    words32[0] = this.varint64(limit);
    words32[1] = this.hi;
    return asInt64[0]!;
  }

  /**
   * A tag, validated: at most 5 bytes and 32 bits, field number not 0, wire
   * type 0-5, and no end group (wire type 4) where a field starts.
   */
  tag(limit: number): number {
    const start = this.pos;
    const tag = this.varint32(limit) >>> 0;
    if (this.pos - start > 4) this.checkWideTag(start);
    if (tag >>> 3 === 0) throw new DecodeError("bad-field-number", "field number 0", start);
    const wireType = tag & 7;
    if (wireType > 5) throw new DecodeError("bad-wire-type", `wire type ${wireType}`, start);
    if (wireType === 4) throw new DecodeError("bad-wire-type", "end group without start group", start);
    return tag;
  }

  /** A length prefix; returns the end of the value it announces, checked against `limit`. */
  lengthEnd(limit: number): number {
    const start = this.pos;
    const length = this.varint32(limit) >>> 0;
    if (this.pos - start > 4) this.checkWideTag(start);
    const end = this.pos + length;
    if (length > 0x7fffffff || end > limit) {
      throw new DecodeError("length-out-of-range", "length prefix past the end of its message", start);
    }
    return end;
  }

  string(limit: number): string {
    const end = this.lengthEnd(limit);
    const start = this.pos;
    this.pos = end;
    return readString(this.buf, start, end);
  }

  /**
   * Skips the value of an unknown field with `tag` and returns its bytes
   * (after the tag) as a view of the input, as the generated decoder keeps
   * them in `_unknownFields`.
   */
  skip(tag: number, limit: number, depth: number): Uint8Array {
    const start = this.pos;
    this.skipValue(tag, limit, depth);
    return this.buf.subarray(start, this.pos);
  }

  private skipValue(tag: number, limit: number, depth: number): void {
    switch (tag & 7) {
      case 0:
        this.varint64(limit);
        return;
      case 1:
        this.skipFixed(8, limit);
        return;
      case 2:
        this.pos = this.lengthEnd(limit);
        return;
      case 5:
        this.skipFixed(4, limit);
        return;
      case 3: {
        const groupStart = this.pos;
        if (depth + 1 > MAX_NESTING_DEPTH) throw new DecodeError("too-deep", `nested deeper than ${MAX_NESTING_DEPTH}`, groupStart);
        const fieldNumber = tag >>> 3;
        for (;;) {
          if (this.pos >= limit) throw new DecodeError("truncated", `group ${fieldNumber} has no end`, groupStart);
          const innerStart = this.pos;
          const inner = this.groupTag(limit);
          if ((inner & 7) === 4) {
            if (inner >>> 3 !== fieldNumber) throw new DecodeError("bad-wire-type", "end group of another field", innerStart);
            return;
          }
          this.skipValue(inner, limit, depth + 1);
        }
      }
    }
  }

  /** A tag inside a group, where wire type 4 (its end) is allowed. */
  private groupTag(limit: number): number {
    const start = this.pos;
    const tag = this.varint32(limit) >>> 0;
    if (this.pos - start > 4) this.checkWideTag(start);
    if (tag >>> 3 === 0) throw new DecodeError("bad-field-number", "field number 0", start);
    if ((tag & 7) > 5) throw new DecodeError("bad-wire-type", `wire type ${tag & 7}`, start);
    return tag;
  }

  /** Tags and lengths are uint32: at most 5 bytes, the 5th holding 4 bits. */
  private checkWideTag(start: number): void {
    if (this.pos - start > 5 || this.buf[this.pos - 1]! > 0x0f) {
      throw new DecodeError("overlong-varint", "tag or length exceeds 32 bits", start);
    }
  }

  private skipFixed(bytes: number, limit: number): void {
    if (this.pos + bytes > limit) throw truncated(limit);
    this.pos += bytes;
  }
}

function truncated(offset: number): DecodeError {
  return new DecodeError("truncated", "input ends inside a value", offset);
}

/** Appends an unknown field to `_unknownFields` under its tag, as the generated decoder does. */
export function keepUnknown(fields: { [key: number]: Uint8Array[] }, tag: number, value: Uint8Array): void {
  const list = fields[tag];
  if (list === undefined) fields[tag] = [value];
  else list.push(value);
}
