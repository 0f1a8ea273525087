// The Frame around a status batch: request id, body tag and the body's
// length prefix, reserved up front and finished after the body.
import { varint32Size } from "../wire/varint.js";
import { FRAME_REQUEST_ID } from "./tags.js";
import { type ByteWriter, fieldError } from "./writer.js";

/**
 * Guess of the body length, to reserve a length prefix of the right width
 * up front (a wrong guess costs one `copyWithin`, never wrong bytes).
 */
export function bodyLengthPrefixGuess(statuses: number, errors: number): number {
  return varint32Size(statuses * 48 + errors * 32);
}

/**
 * Starts a Frame at the beginning of `w`: the request id (omitted when 0),
 * the body's tag, and `reservedBytes` for the body's length. Returns where
 * the length prefix starts, for `finishLength(w, at, reservedBytes, w.pos)`
 * after the body.
 */
export function writeFrameHeader(w: ByteWriter, requestId: number, bodyTag: number, reservedBytes: number): number {
  if (typeof requestId !== "number" || requestId >>> 0 !== requestId) throw fieldError("Frame.requestId", "a uint32", requestId);
  w.pos = 0;
  w.ensure(16);
  if (requestId !== 0) {
    w.buf[w.pos++] = FRAME_REQUEST_ID;
    w.varint32(requestId);
  }
  w.buf[w.pos++] = bodyTag;
  const at = w.pos;
  w.pos += reservedBytes;
  return at;
}
