// Hand-tuned single-pass encoders for the 500-user query response and the
// change-notification batch, bare or wrapped in a Frame. Output is
// byte-identical to ts-proto's `encode(...).finish()`, unknown fields
// included.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import { EncodeError } from "../codec/errors.js";
import { hasUnknownFields, writeUnknownFields, writeUserErrorEntry, writeUserStatusEntry } from "./entry.js";
import { ByteWriter, fieldError, varint32Size } from "./writer.js";

/** Frame tags: request_id (field 1, varint), user_status_changed (4) and get_user_status_response (6), length-delimited. */
export const FRAME_REQUEST_ID_TAG = 0x08;
export const FRAME_USER_STATUS_CHANGED_TAG = 0x22;
export const FRAME_GET_USER_STATUS_RESPONSE_TAG = 0x32;

/** A Frame whose body is one of the two batch messages this module encodes. */
export type StatusFrame = Frame & {
  body:
    | { $case: "getUserStatusResponse"; value: GetUserStatusResponse }
    | { $case: "userStatusChanged"; value: UserStatusChangedNotification };
};

/**
 * Guess of the body length, to reserve a length prefix of the right width
 * up front (a wrong guess costs one `copyWithin`, never wrong bytes).
 */
export function bodyLengthPrefixGuess(statuses: number, errors: number): number {
  return varint32Size(statuses * 48 + errors * 32);
}

/**
 * Single-pass encoder with a reused buffer. One instance per thread of
 * control; not re-entrant.
 *
 * Three forms of each operation:
 * - `write*` returns the byte count; the bytes are `encoder.buffer[0, n)`.
 *   Allocates nothing in steady state. Valid until the next call.
 * - `encode*View` returns a view of those bytes (one small view object per
 *   call). Valid until the next call on this encoder: copy it (or send it
 *   synchronously) before encoding again.
 * - The free functions `encodeGetUserStatusResponse`, `encodeUserStatusChanged`
 *   and `encodeStatusFrame` return an owned copy.
 */
export class StatusBatchEncoder {
  private readonly writer: ByteWriter;

  constructor(initialCapacity = 64 * 1024) {
    this.writer = new ByteWriter(initialCapacity);
  }

  /** The internal buffer; replaced when it grows, so read it after each `write*` call. */
  get buffer(): Uint8Array {
    return this.writer.buf;
  }

  // The view and copy forms take the length first: the write may replace the buffer.

  writeGetUserStatusResponse(response: GetUserStatusResponse): number {
    const w = this.writer;
    w.pos = 0;
    writeResponseBody(w, response);
    return w.pos;
  }

  writeUserStatusChanged(notification: UserStatusChangedNotification): number {
    const w = this.writer;
    w.pos = 0;
    writeNotificationBody(w, notification);
    return w.pos;
  }

  /** A Frame carrying a GetUserStatusResponse (field 6) or a UserStatusChangedNotification (field 4). */
  writeFrame(frame: StatusFrame): number {
    const w = this.writer;
    w.pos = 0;
    w.ensure(16);
    const requestId = frame.requestId;
    if (requestId !== 0) {
      if (typeof requestId !== "number" || requestId >>> 0 !== requestId) throw fieldError("Frame.requestId", "a uint32", requestId);
      w.buf[w.pos++] = FRAME_REQUEST_ID_TAG;
      w.varint32(requestId);
    }
    const body = frame.body;
    if (body?.$case === "getUserStatusResponse") {
      const response = body.value;
      w.buf[w.pos++] = FRAME_GET_USER_STATUS_RESPONSE_TAG;
      const reserved = bodyLengthPrefixGuess(response.statuses?.length ?? 0, response.errors?.length ?? 0);
      const at = w.reserveLength(reserved);
      writeResponseBody(w, response);
      w.finishLength(at, reserved, w.pos);
    } else if (body?.$case === "userStatusChanged") {
      const notification = body.value;
      w.buf[w.pos++] = FRAME_USER_STATUS_CHANGED_TAG;
      const reserved = bodyLengthPrefixGuess(notification.statuses?.length ?? 0, 0);
      const at = w.reserveLength(reserved);
      writeNotificationBody(w, notification);
      w.finishLength(at, reserved, w.pos);
    } else {
      const kind = (body as Frame["body"])?.$case;
      throw new EncodeError(`StatusBatchEncoder encodes only status frames, got body ${String(kind)}`);
    }
    if (hasUnknownFields(frame._unknownFields)) writeUnknownFields(w, frame._unknownFields!, 0);
    return w.pos;
  }

  encodeGetUserStatusResponseView(response: GetUserStatusResponse): Uint8Array {
    const length = this.writeGetUserStatusResponse(response);
    return this.writer.buf.subarray(0, length);
  }

  encodeUserStatusChangedView(notification: UserStatusChangedNotification): Uint8Array {
    const length = this.writeUserStatusChanged(notification);
    return this.writer.buf.subarray(0, length);
  }

  encodeFrameView(frame: StatusFrame): Uint8Array {
    const length = this.writeFrame(frame);
    return this.writer.buf.subarray(0, length);
  }
}

function writeResponseBody(w: ByteWriter, response: GetUserStatusResponse): void {
  const statuses = response.statuses;
  if (!Array.isArray(statuses)) throw fieldError("GetUserStatusResponse.statuses", "an array", statuses);
  if (!Array.isArray(response.errors)) throw fieldError("GetUserStatusResponse.errors", "an array", response.errors);
  for (let i = 0; i < statuses.length; i++) writeUserStatusEntry(w, statuses[i]!);
  const errors = response.errors;
  for (let i = 0; i < errors.length; i++) writeUserErrorEntry(w, errors[i]!);
  if (hasUnknownFields(response._unknownFields)) writeUnknownFields(w, response._unknownFields!, 0);
}

function writeNotificationBody(w: ByteWriter, notification: UserStatusChangedNotification): void {
  const statuses = notification.statuses;
  if (!Array.isArray(statuses)) throw fieldError("UserStatusChangedNotification.statuses", "an array", statuses);
  for (let i = 0; i < statuses.length; i++) writeUserStatusEntry(w, statuses[i]!);
  if (hasUnknownFields(notification._unknownFields)) writeUnknownFields(w, notification._unknownFields!, 0);
}

const shared = new StatusBatchEncoder();

/** Encodes a GetUserStatusResponse into a new, caller-owned Uint8Array. */
export function encodeGetUserStatusResponse(response: GetUserStatusResponse): Uint8Array {
  const length = shared.writeGetUserStatusResponse(response);
  return shared.buffer.slice(0, length);
}

/** Encodes a UserStatusChangedNotification into a new, caller-owned Uint8Array. */
export function encodeUserStatusChanged(notification: UserStatusChangedNotification): Uint8Array {
  const length = shared.writeUserStatusChanged(notification);
  return shared.buffer.slice(0, length);
}

/** Encodes a status Frame into a new, caller-owned Uint8Array. */
export function encodeStatusFrame(frame: StatusFrame): Uint8Array {
  const length = shared.writeFrame(frame);
  return shared.buffer.slice(0, length);
}
