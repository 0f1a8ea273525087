// Fast decoder for the server side of the query path: a Frame carrying a
// GetUserStatusRequest (up to 500 ids). The general codec checks the wire
// format and every string's UTF-8 in one pass and decodes the strings again
// in a second; this reads each id once. It takes only the plain shape
// (request_id, then or before the body once, ids only): anything else (an
// unknown field, a body sent twice, another body) and any malformed input
// returns null, so the general codec decodes it, errors included.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { DecodeError } from "../codec/errors.js";
import { Reader } from "./reader.js";
import { FRAME_GET_USER_STATUS_REQUEST, FRAME_REQUEST_ID } from "./tags.js";

/** GetUserStatusRequest.user_ids (field 1, length-delimited). */
const USER_IDS = 0x0a;

/**
 * The Frame of a plain query, deep-equal to what `decodeFrame` returns for the
 * same bytes; null when the bytes are anything else.
 */
export function decodeQueryFrame(bytes: Uint8Array): Frame | null {
  try {
    return readQueryFrame(new Reader(bytes), bytes.length);
  } catch (error) {
    if (error instanceof DecodeError) return null;
    throw error;
  }
}

function readQueryFrame(r: Reader, end: number): Frame | null {
  let requestId = 0;
  let userIds: string[] | undefined;
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === FRAME_REQUEST_ID) {
      requestId = r.varint32(end) >>> 0;
    } else if (tag === FRAME_GET_USER_STATUS_REQUEST && userIds === undefined) {
      const bodyEnd = r.lengthEnd(end);
      userIds = [];
      while (r.pos < bodyEnd) {
        if (r.tag(bodyEnd) !== USER_IDS) return null;
        userIds.push(r.string(bodyEnd));
      }
    } else {
      return null;
    }
  }
  if (userIds === undefined) return null;
  // Same keys in the same order as the generated decoder's objects.
  return { requestId, body: { $case: "getUserStatusRequest", value: { userIds, _unknownFields: {} } }, _unknownFields: {} };
}
