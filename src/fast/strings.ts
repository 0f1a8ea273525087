// Strings for the fast decoder: short all-ASCII ones (the ids that make most
// of a response's strings) built in one call, the rest by the shared strict
// UTF-8 reader.
import { readUtf8 } from "../wire/utf8.js";

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

