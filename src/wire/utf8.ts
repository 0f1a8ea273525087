// UTF-8 primitives shared by the general codec (src/codec), the fast path
// (src/fast) and validation: byte length, writing, and strict reading. Short
// strings go through JS loops: one native call (TextEncoder, TextDecoder)
// costs more than a short loop.
import { DecodeError } from "../codec/errors.js";

/** The number of bytes `text` takes in UTF-8 (lone surrogates count as U+FFFD, as they are encoded). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Writes `value` from UTF-16 unit `from` on as UTF-8 at `pos` and returns the end. */
export function writeUtf8From(buf: Uint8Array, pos: number, value: string, from: number): number {
  const units = value.length;
  for (let i = from; i < units; i++) {
    let code = value.charCodeAt(i);
    if (code < 0x80) {
      buf[pos++] = code;
    } else if (code < 0x800) {
      buf[pos++] = 0xc0 | (code >> 6);
      buf[pos++] = 0x80 | (code & 0x3f);
    } else if (code < 0xd800 || code > 0xdfff) {
      buf[pos++] = 0xe0 | (code >> 12);
      buf[pos++] = 0x80 | ((code >> 6) & 0x3f);
      buf[pos++] = 0x80 | (code & 0x3f);
    } else {
      const next = i + 1 < units ? value.charCodeAt(i + 1) : 0;
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
        i++;
        buf[pos++] = 0xf0 | (code >> 18);
        buf[pos++] = 0x80 | ((code >> 12) & 0x3f);
        buf[pos++] = 0x80 | ((code >> 6) & 0x3f);
        buf[pos++] = 0x80 | (code & 0x3f);
      } else {
        // Lone surrogate: U+FFFD, as TextEncoder writes it.
        buf[pos++] = 0xef;
        buf[pos++] = 0xbf;
        buf[pos++] = 0xbd;
      }
    }
  }
  return pos;
}

const fromCharCode = String.fromCharCode;

/**
 * Longest string (in bytes) decoded by the JS loop; longer ones go to
 * TextDecoder. 64 measured ~4% faster over the bench dataset than 128 (its
 * 90-byte statuses go native), four alternating runs of
 * `bench/quick.ts fast-decode`.
 */
const JS_DECODE_MAX_BYTES = 64;

// One packed array per length, reused as the argument list of
// String.fromCharCode, so a decode allocates only the resulting string.
const codeUnitsByLength: number[][] = Array.from({ length: JS_DECODE_MAX_BYTES + 1 }, (_, n) =>
  Array.from({ length: n }, () => 0),
);

// fatal: reject invalid UTF-8 rather than replace it; ignoreBOM: a leading
// U+FEFF is text, as the generated decoder keeps it.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** `bytes` as a string; throws a TypeError for invalid UTF-8 (never replaces it). Native: for long strings and whole payloads. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}

function invalidUtf8(offset: number): DecodeError {
  return new DecodeError("invalid-utf8", "string field is not valid UTF-8", offset);
}

/** `units[0, count)` as a string: direct String.fromCharCode arguments up to 16 units, `apply` over an array of the exact length above. */
function fromUnits(units: number[], count: number): string {
  switch (count) {
    case 1:
      return fromCharCode(units[0]!);
    case 2:
      return fromCharCode(units[0]!, units[1]!);
    case 3:
      return fromCharCode(units[0]!, units[1]!, units[2]!);
    case 4:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!);
    case 5:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!);
    case 6:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!);
    case 7:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!);
    case 8:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!);
    case 9:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!);
    case 10:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!);
    case 11:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!, units[10]!);
    case 12:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!, units[10]!, units[11]!);
    case 13:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!, units[10]!, units[11]!, units[12]!);
    case 14:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!, units[10]!, units[11]!, units[12]!, units[13]!);
    case 15:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!, units[10]!, units[11]!, units[12]!, units[13]!, units[14]!);
    case 16:
      return fromCharCode(units[0]!, units[1]!, units[2]!, units[3]!, units[4]!, units[5]!, units[6]!, units[7]!, units[8]!, units[9]!, units[10]!, units[11]!, units[12]!, units[13]!, units[14]!, units[15]!);
  }
  if (count === units.length) return fromCharCode.apply(null, units);
  // Multi-byte characters make fewer code units than bytes: copy into the array of the right length.
  const exact = codeUnitsByLength[count]!;
  for (let k = 0; k < count; k++) exact[k] = units[k]!;
  return fromCharCode.apply(null, exact);
}

/**
 * Decodes the UTF-8 in `buf[start, end)`, rejecting what a fatal TextDecoder
 * rejects (bad continuation bytes, overlong forms, surrogates, code points
 * above U+10FFFF, truncated sequences) with DecodeError "invalid-utf8".
 */
export function readUtf8(buf: Uint8Array, start: number, end: number): string {
  const byteLength = end - start;
  if (byteLength > JS_DECODE_MAX_BYTES) {
    try {
      return decodeUtf8Strict(buf.subarray(start, end));
    } catch (cause) {
      throw new DecodeError("invalid-utf8", "string field is not valid UTF-8", start, { cause });
    }
  }
  const units = codeUnitsByLength[byteLength]!;
  let count = 0;
  let i = start;
  while (i < end) {
    const b0 = buf[i]!;
    if (b0 < 0x80) {
      units[count++] = b0;
      i++;
      continue;
    }
    if (b0 < 0xc2 || b0 > 0xf4) throw invalidUtf8(i);
    if (b0 < 0xe0) {
      const b1 = i + 1 < end ? buf[i + 1]! : 0;
      if ((b1 & 0xc0) !== 0x80) throw invalidUtf8(i);
      units[count++] = ((b0 & 0x1f) << 6) | (b1 & 0x3f);
      i += 2;
    } else if (b0 < 0xf0) {
      const b1 = i + 1 < end ? buf[i + 1]! : 0;
      const b2 = i + 2 < end ? buf[i + 2]! : 0;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) throw invalidUtf8(i);
      const code = ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      // Overlong (below U+0800) or a UTF-16 surrogate.
      if (code < 0x800 || (code >= 0xd800 && code <= 0xdfff)) throw invalidUtf8(i);
      units[count++] = code;
      i += 3;
    } else {
      const b1 = i + 1 < end ? buf[i + 1]! : 0;
      const b2 = i + 2 < end ? buf[i + 2]! : 0;
      const b3 = i + 3 < end ? buf[i + 3]! : 0;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) throw invalidUtf8(i);
      const code = ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (code < 0x10000 || code > 0x10ffff) throw invalidUtf8(i);
      const offset = code - 0x10000;
      units[count++] = 0xd800 | (offset >> 10);
      units[count++] = 0xdc00 | (offset & 0x3ff);
      i += 4;
    }
  }
  return fromUnits(units, count);
}
