// UTF-8 for the fast codecs, in JS for short strings: one native call
// (TextEncoder/TextDecoder) costs more than a short loop.
import { DecodeError } from "../codec/errors.js";

/** Writes `value` as UTF-8 at `pos` (with lone surrogates as U+FFFD) and returns the end. */
export function writeUtf8(buf: Uint8Array, pos: number, value: string): number {
  return writeUtf8From(buf, pos, value, 0);
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

/** Longest all-ASCII string built by one direct String.fromCharCode call (see asciiShort). */
const ASCII_DIRECT_MAX_BYTES = 16;

const fromCharCode = String.fromCharCode;

/**
 * `buf[start, start + length)`, all ASCII, as a string: one String.fromCharCode
 * call with the bytes as direct arguments, which measured ~25% faster per
 * string than `String.fromCharCode.apply` over a reused array, Buffer#latin1Slice
 * or Buffer#utf8Slice (native calls, ~150 ns fixed each on the bench machine)
 * for the ids of 9-12 characters that make most of a response's strings.
 */
function asciiShort(buf: Uint8Array, start: number, length: number): string {
  switch (length) {
    case 1:
      return fromCharCode(buf[start]!);
    case 2:
      return fromCharCode(buf[start]!, buf[start + 1]!);
    case 3:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!);
    case 4:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!);
    case 5:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!);
    case 6:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!);
    case 7:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!);
    case 8:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!);
    case 9:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!);
    case 10:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!);
    case 11:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!, buf[start + 10]!);
    case 12:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!, buf[start + 10]!, buf[start + 11]!);
    case 13:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!, buf[start + 10]!, buf[start + 11]!, buf[start + 12]!);
    case 14:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!, buf[start + 10]!, buf[start + 11]!, buf[start + 12]!, buf[start + 13]!);
    case 15:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!, buf[start + 10]!, buf[start + 11]!, buf[start + 12]!, buf[start + 13]!, buf[start + 14]!);
    case 16:
      return fromCharCode(buf[start]!, buf[start + 1]!, buf[start + 2]!, buf[start + 3]!, buf[start + 4]!, buf[start + 5]!, buf[start + 6]!, buf[start + 7]!, buf[start + 8]!, buf[start + 9]!, buf[start + 10]!, buf[start + 11]!, buf[start + 12]!, buf[start + 13]!, buf[start + 14]!, buf[start + 15]!);
  }
  return "";
}

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
 * `readUtf8` with the common case first: a short all-ASCII string (ids) is
 * one scan and one direct String.fromCharCode call.
 */
export function readString(buf: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length <= ASCII_DIRECT_MAX_BYTES) {
    let k = start;
    while (k < end && buf[k]! < 0x80) k++;
    if (k === end) return asciiShort(buf, start, length);
  }
  return readUtf8(buf, start, end);
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
      return strictDecoder.decode(buf.subarray(start, end));
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
