// Frames the package's encoder would never write: unknown body kinds, padding
// to an exact size, invalid UTF-8, garbage. Built byte by byte from the
// protobuf wire format.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { encodeFrame } from "../codec/messages.js";

/** A field number no presence.v1 frame uses: what a newer peer's body kind looks like to this version. */
const UNKNOWN_BODY_FIELD = 99;
const PADDING_FIELD = 100;
const LENGTH_DELIMITED = 2;

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

function key(field: number): number[] {
  return varint(field * 8 + LENGTH_DELIMITED);
}

/** A frame with `request_id` and a body of a kind this version does not know (an empty message in field 99). */
export function unknownBodyFrame(requestId: number): Uint8Array {
  const id = requestId === 0 ? [] : [0x08, ...varint(requestId)];
  return Uint8Array.from([...id, ...key(UNKNOWN_BODY_FIELD), 0x00]);
}

/** `frame` with an unknown length-delimited field appended, so that it is exactly `totalBytes` long. */
export function paddedFrame(frame: Frame, totalBytes: number): Uint8Array {
  const base = encodeFrame(frame);
  const tag = key(PADDING_FIELD);
  let payload = totalBytes - base.length - tag.length - 1;
  while (payload > 0 && base.length + tag.length + varint(payload).length + payload > totalBytes) payload--;
  const header = [...tag, ...varint(payload)];
  const bytes = new Uint8Array(base.length + header.length + payload);
  bytes.set(base);
  bytes.set(header, base.length);
  return bytes;
}

/** Bytes that break one decoding rule of docs/protocol.md §2.3 each, named for case ids. */
export const MALFORMED_FRAMES: readonly { name: string; breaks: string; bytes: Uint8Array }[] = [
  { name: "length-past-end", breaks: "a length prefix pointing far past the end of the frame", bytes: Uint8Array.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]) },
  { name: "nested-length-past-end", breaks: "a nested field's length running past the end of its message", bytes: Uint8Array.from([0x08, 0x01, 0x2a, 0x05, 0x0a, 0x09, 0x61]) },
  { name: "truncated", breaks: "input ending inside a varint", bytes: Uint8Array.from([0x08]) },
  { name: "wire-type-7", breaks: "wire type 7", bytes: Uint8Array.from([0x0f, 0x00]) },
  { name: "wire-type-6", breaks: "wire type 6", bytes: Uint8Array.from([0x0e, 0x00]) },
  { name: "field-number-0", breaks: "field number 0", bytes: Uint8Array.from([0x02, 0x00]) },
  { name: "overlong-varint", breaks: "a varint of 11 bytes", bytes: Uint8Array.from([0x08, ...Array<number>(10).fill(0xff), 0x01]) },
  { name: "varint-10th-byte", breaks: "a varint whose 10th byte is above 1", bytes: Uint8Array.from([0x08, ...Array<number>(9).fill(0xff), 0x02]) },
  { name: "group-end-without-start", breaks: "a group end without its start", bytes: Uint8Array.from([0x0c]) },
  { name: "invalid-utf8", breaks: "a user id that is the byte 0xFF, not UTF-8 (a decoder MUST NOT replace it)", bytes: Uint8Array.from([0x08, 0x07, 0x2a, 0x03, 0x0a, 0x01, 0xff]) },
];

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** A length-delimited field `field` holding `payload`. */
export function lengthDelimited(field: number, payload: Uint8Array): Uint8Array {
  return Uint8Array.from([...key(field), ...varint(payload.length), ...payload]);
}

/** `message` with an unknown length-delimited field (number 100) appended: what a newer peer's extra field looks like. */
export function withUnknownField(message: Uint8Array): Uint8Array {
  return Uint8Array.from([...message, ...lengthDelimited(PADDING_FIELD, Uint8Array.from([0x6e, 0x65, 0x77]))]);
}
