// The single-pass encoder: every status encoded from scratch into one reused
// buffer, no cache. Neither the server nor the client needs it (the server
// splices cached entries, src/fast/splice-encoder.ts); the benchmark keeps it
// as the fast path's answer to "encode this response once", against the
// generated codecs. Byte-identical to ts-proto's `encode(...).finish()`,
// unknown fields included.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import { EncodeError } from "../../src/codec/errors.js";
import { hasUnknownFields, writeUnknownFields, writeUserErrorEntry, writeUserStatusEntry } from "../../src/fast/entry.js";
import { bodyLengthPrefixGuess, writeFrameHeader } from "../../src/fast/frame.js";
import { FRAME_GET_USER_STATUS_RESPONSE, FRAME_USER_STATUS_CHANGED } from "../../src/fast/tags.js";
import { ByteWriter, fieldError, finishLength } from "../../src/fast/writer.js";

/** A Frame whose body is one of the two batch messages this module encodes. */
export type StatusFrame = Frame & {
  body:
    | { $case: "getUserStatusResponse"; value: GetUserStatusResponse }
    | { $case: "userStatusChanged"; value: UserStatusChangedNotification };
};

/**
 * Single-pass encoder with a reused buffer; one instance per thread of
 * control. Each `write*` returns the byte count `n`; the bytes are
 * `encoder.buffer[0, n)` until the next call. Allocates nothing in steady state.
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
    const body = frame.body;
    if (body?.$case === "getUserStatusResponse") {
      const response = body.value;
      const reserved = bodyLengthPrefixGuess(response.statuses?.length ?? 0, response.errors?.length ?? 0);
      const at = writeFrameHeader(w, frame.requestId, FRAME_GET_USER_STATUS_RESPONSE, reserved);
      writeResponseBody(w, response);
      finishLength(w, at, reserved, w.pos);
    } else if (body?.$case === "userStatusChanged") {
      const notification = body.value;
      const reserved = bodyLengthPrefixGuess(notification.statuses?.length ?? 0, 0);
      const at = writeFrameHeader(w, frame.requestId, FRAME_USER_STATUS_CHANGED, reserved);
      writeNotificationBody(w, notification);
      finishLength(w, at, reserved, w.pos);
    } else {
      const kind = (body as Frame["body"])?.$case;
      throw new EncodeError(`StatusBatchEncoder encodes only status frames, got body ${String(kind)}`);
    }
    if (hasUnknownFields(frame._unknownFields)) writeUnknownFields(w, frame._unknownFields!, 0);
    return w.pos;
  }
}

function writeResponseBody(w: ByteWriter, response: GetUserStatusResponse): void {
  const statuses = response.statuses;
  const errors = response.errors;
  if (!Array.isArray(statuses)) throw fieldError("GetUserStatusResponse.statuses", "an array", statuses);
  if (!Array.isArray(errors)) throw fieldError("GetUserStatusResponse.errors", "an array", errors);
  for (let i = 0; i < statuses.length; i++) writeUserStatusEntry(w, statuses[i]!);
  for (let i = 0; i < errors.length; i++) writeUserErrorEntry(w, errors[i]!);
  if (hasUnknownFields(response._unknownFields)) writeUnknownFields(w, response._unknownFields!, 0);
}

function writeNotificationBody(w: ByteWriter, notification: UserStatusChangedNotification): void {
  const statuses = notification.statuses;
  if (!Array.isArray(statuses)) throw fieldError("UserStatusChangedNotification.statuses", "an array", statuses);
  for (let i = 0; i < statuses.length; i++) writeUserStatusEntry(w, statuses[i]!);
  if (hasUnknownFields(notification._unknownFields)) writeUnknownFields(w, notification._unknownFields!, 0);
}
