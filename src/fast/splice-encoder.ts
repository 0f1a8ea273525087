// Assembles the Frames of the query answer (GetUserStatusResponse) and the
// change notification (UserStatusChangedNotification) by splicing each
// user's cached entry: one cache lookup by user id and version, and one
// copy, per status. Byte-identical to ts-proto encoding the same frame (see
// entry-cache.ts on when an entry is reused).
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { writeUserErrorEntry } from "./entry.js";
import type { StatusEntryCache } from "./entry-cache.js";
import { bodyLengthPrefixGuess, writeFrameHeader } from "./frame.js";
import { FRAME_GET_USER_STATUS_RESPONSE, FRAME_USER_STATUS_CHANGED } from "./tags.js";
import { varint32Size, writeVarint32 } from "../wire/varint.js";
import { EncodeError } from "../codec/errors.js";
import { ByteWriter, fieldError, finishLength } from "./writer.js";

const NO_ERRORS: readonly UserError[] = [];

/**
 * Splicing encoder over a StatusEntryCache, with a reused buffer. Each
 * `write*` returns the byte count `n`; the bytes are `encoder.buffer[0, n)`,
 * valid until the next call on this encoder: copy (`.slice()`) to keep them.
 */
export class SplicedStatusEncoder {
  private readonly writer: ByteWriter;
  /** The users of the notification frame being assembled, kept between calls: one set, not one per call. */
  private readonly frameUsers = new Set<string>();

  /**
   * `allocate` gives the bytes of each notification frame `userStatusChangedFrames` returns; a
   * server passes Node's pooled `Buffer.allocUnsafe`, cheaper for small frames than an ArrayBuffer each.
   */
  constructor(
    private readonly cache: StatusEntryCache,
    initialCapacity = 64 * 1024,
    private readonly allocate: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes),
  ) {
    this.writer = new ByteWriter(initialCapacity);
  }

  /** The internal buffer; replaced when it grows, so read it after each `write*` call. */
  get buffer(): Uint8Array {
    return this.writer.buf;
  }

  /**
   * Frame { request_id, get_user_status_response (field 6) }: each status's
   * entry taken from the cache when it was encoded at the same version
   * (`StatusEntryCache.entryFor`), else encoded and cached; then `errors`.
   */
  writeGetUserStatusResponseFrameFromStatuses(requestId: number, statuses: readonly UserStatus[], errors: readonly UserError[] = NO_ERRORS): number {
    if (!Array.isArray(errors)) throw fieldError("GetUserStatusResponse.errors", "an array", errors);
    return this.writeFrame(requestId, FRAME_GET_USER_STATUS_RESPONSE, statuses, errors);
  }

  /** Frame { request_id, user_status_changed (field 4) } from the statuses, entries by version as above; pushes use request id 0. */
  writeUserStatusChangedFrameFromStatuses(requestId: number, statuses: readonly UserStatus[]): number {
    return this.writeFrame(requestId, FRAME_USER_STATUS_CHANGED, statuses, NO_ERRORS);
  }

  /**
   * The notification Frames (request id 0) carrying `statuses` in order, as few
   * as the rules allow: a frame ends where the next status would pass
   * `maxFrameBytes` or name a user the frame already holds (a user appears at
   * most once per notification). Each frame is its own copy of the body tag,
   * the length and the statuses' cached entries, concatenated. Throws
   * EncodeError when one status alone does not fit.
   */
  userStatusChangedFrames(statuses: readonly UserStatus[], maxFrameBytes: number): Uint8Array[] {
    const frames: Uint8Array[] = [];
    const entries = statuses.map((status) => this.cache.entryFor(status));
    const users = this.frameUsers;
    users.clear();
    let first = 0;
    let bodyBytes = 0;
    for (let i = 0; i < entries.length; i++) {
      const length = entries[i]!.length;
      if (notificationBytes(length) > maxFrameBytes) throw new EncodeError(`a status entry of ${length} bytes exceeds frames of ${maxFrameBytes}`);
      const userId = statuses[i]!.userId;
      if (i > first && (users.has(userId) || notificationBytes(bodyBytes + length) > maxFrameBytes)) {
        frames.push(this.spliceNotification(entries, first, i, bodyBytes));
        users.clear();
        first = i;
        bodyBytes = 0;
      }
      users.add(userId);
      bodyBytes += length;
    }
    if (entries.length > first) frames.push(this.spliceNotification(entries, first, entries.length, bodyBytes));
    return frames;
  }

  private spliceNotification(entries: readonly Uint8Array[], from: number, to: number, bodyBytes: number): Uint8Array {
    const frame = this.allocate(notificationBytes(bodyBytes));
    frame[0] = FRAME_USER_STATUS_CHANGED;
    let pos = writeVarint32(frame, 1, bodyBytes);
    for (let i = from; i < to; i++) {
      frame.set(entries[i]!, pos);
      pos += entries[i]!.length;
    }
    return frame;
  }

  private writeFrame(requestId: number, bodyTag: number, statuses: readonly UserStatus[], errors: readonly UserError[]): number {
    if (!Array.isArray(statuses)) throw fieldError("statuses", "an array", statuses);
    const w = this.writer;
    const reserved = bodyLengthPrefixGuess(statuses.length, errors.length);
    const at = writeFrameHeader(w, requestId, bodyTag, reserved);
    const cache = this.cache;
    for (let i = 0; i < statuses.length; i++) w.raw(cache.entryFor(statuses[i]!));
    for (let i = 0; i < errors.length; i++) writeUserErrorEntry(w, errors[i]!);
    return finishLength(w, at, reserved, w.pos);
  }
}

/** Frame { user_status_changed } with a body of `bodyBytes`: tag, length, body. */
function notificationBytes(bodyBytes: number): number {
  return 1 + varint32Size(bodyBytes) + bodyBytes;
}

