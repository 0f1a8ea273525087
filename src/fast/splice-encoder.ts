// Assembles GetUserStatusResponse / UserStatusChangedNotification (bare or in
// a Frame) by splicing cached entries: one Map lookup and one copy per user.
// Byte-identical to ts-proto encoding the same statuses, as long as the cache
// holds each user's current status (see entry-cache.ts on invalidation).
// Three inputs: user ids (the cache is kept current with `put`, a loader
// fills misses), the statuses themselves (entries validated by version, as
// the server uses it), or entries the caller already holds.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import {
  bodyLengthPrefixGuess,
  FRAME_GET_USER_STATUS_RESPONSE_TAG,
  FRAME_REQUEST_ID_TAG,
  FRAME_USER_STATUS_CHANGED_TAG,
} from "./batch-encoder.js";
import { EncodeError } from "../codec/errors.js";
import { writeUserErrorEntry } from "./entry.js";
import type { StatusEntryCache } from "./entry-cache.js";
import { ByteWriter, fieldError, growAt } from "./writer.js";

/** Loads a user's current status on a cache miss (the server's source of truth). */
export type StatusLoader = (userId: string) => UserStatus;

/** Whose entries to splice: user ids (cache kept current by the caller) or the statuses themselves. */
type Users = readonly string[] | readonly UserStatus[];

const NO_ERRORS: readonly UserError[] = [];

const noLoader: StatusLoader = (userId) => {
  throw new EncodeError(`no cached entry for user ${JSON.stringify(userId)} and no loader`);
};

/**
 * Splicing encoder over a StatusEntryCache, with a reused buffer.
 * `write*` returns the byte count of `encoder.buffer[0, n)`; `encode*View`
 * returns a view of it. Both are valid only until the next call on this
 * encoder: copy (`.slice()`) to keep them.
 */
export class SplicedStatusEncoder {
  private readonly writer: ByteWriter;

  constructor(
    private readonly cache: StatusEntryCache,
    private readonly load: StatusLoader = noLoader,
    initialCapacity = 64 * 1024,
  ) {
    this.writer = new ByteWriter(initialCapacity);
  }

  /** The internal buffer; replaced when it grows, so read it after each `write*` call. */
  get buffer(): Uint8Array {
    return this.writer.buf;
  }

  /** GetUserStatusResponse with the statuses of `userIds` (in order) and `errors`. */
  writeGetUserStatusResponse(userIds: readonly string[], errors: readonly UserError[] = []): number {
    this.writer.pos = 0;
    this.writeBody(userIds, errors);
    return this.writer.pos;
  }

  /**
   * GetUserStatusResponse from entries the caller already holds (from
   * `StatusEntryCache.get`/`put`, e.g. kept on its own per-user records, where
   * it looks each user up anyway): no cache lookups, one copy per user.
   */
  writeGetUserStatusResponseFromEntries(entries: readonly Uint8Array[], errors: readonly UserError[] = []): number {
    const w = this.writer;
    let buf = w.buf;
    let pos = 0;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      if (pos + entry.length > buf.length) buf = growAt(w, pos, entry.length);
      buf.set(entry, pos);
      pos += entry.length;
    }
    w.pos = pos;
    for (let i = 0; i < errors.length; i++) writeUserErrorEntry(w, errors[i]!);
    return w.pos;
  }

  /**
   * GetUserStatusResponse from the statuses themselves, each entry taken from
   * the cache when it was encoded at the same version
   * (`StatusEntryCache.entryFor`), else encoded and cached.
   */
  writeGetUserStatusResponseFromStatuses(statuses: readonly UserStatus[], errors: readonly UserError[] = []): number {
    this.writer.pos = 0;
    this.writeBody(statuses, errors);
    return this.writer.pos;
  }

  /** UserStatusChangedNotification with the statuses of `userIds`. */
  writeUserStatusChanged(userIds: readonly string[]): number {
    this.writer.pos = 0;
    this.writeBody(userIds, NO_ERRORS);
    return this.writer.pos;
  }

  /** Frame { request_id, get_user_status_response (field 6) }. */
  writeGetUserStatusResponseFrame(requestId: number, userIds: readonly string[], errors: readonly UserError[] = []): number {
    return this.writeFrame(requestId, FRAME_GET_USER_STATUS_RESPONSE_TAG, userIds, errors);
  }

  /** Frame { request_id, user_status_changed (field 4) }; pushes use request id 0. */
  writeUserStatusChangedFrame(requestId: number, userIds: readonly string[]): number {
    return this.writeFrame(requestId, FRAME_USER_STATUS_CHANGED_TAG, userIds, NO_ERRORS);
  }

  /** Frame { request_id, get_user_status_response } from the statuses themselves (entries by version, as above). */
  writeGetUserStatusResponseFrameFromStatuses(requestId: number, statuses: readonly UserStatus[], errors: readonly UserError[] = []): number {
    return this.writeFrame(requestId, FRAME_GET_USER_STATUS_RESPONSE_TAG, statuses, errors);
  }

  /** Frame { request_id, user_status_changed } from the statuses themselves (entries by version, as above). */
  writeUserStatusChangedFrameFromStatuses(requestId: number, statuses: readonly UserStatus[]): number {
    return this.writeFrame(requestId, FRAME_USER_STATUS_CHANGED_TAG, statuses, NO_ERRORS);
  }

  encodeGetUserStatusResponseView(userIds: readonly string[], errors: readonly UserError[] = []): Uint8Array {
    const length = this.writeGetUserStatusResponse(userIds, errors);
    return this.writer.buf.subarray(0, length);
  }

  encodeUserStatusChangedView(userIds: readonly string[]): Uint8Array {
    const length = this.writeUserStatusChanged(userIds);
    return this.writer.buf.subarray(0, length);
  }

  encodeGetUserStatusResponseFrameView(requestId: number, userIds: readonly string[], errors: readonly UserError[] = []): Uint8Array {
    const length = this.writeGetUserStatusResponseFrame(requestId, userIds, errors);
    return this.writer.buf.subarray(0, length);
  }

  encodeUserStatusChangedFrameView(requestId: number, userIds: readonly string[]): Uint8Array {
    const length = this.writeUserStatusChangedFrame(requestId, userIds);
    return this.writer.buf.subarray(0, length);
  }

  /** The Frame's request id and body tag, then the body with its length prefix. */
  private writeFrame(requestId: number, bodyTag: number, users: Users, errors: readonly UserError[]): number {
    const w = this.writer;
    w.pos = 0;
    w.ensure(16);
    if (requestId !== 0) {
      if (typeof requestId !== "number" || requestId >>> 0 !== requestId) throw fieldError("Frame.requestId", "a uint32", requestId);
      w.buf[w.pos++] = FRAME_REQUEST_ID_TAG;
      w.varint32(requestId);
    }
    w.buf[w.pos++] = bodyTag;
    const reserved = bodyLengthPrefixGuess(users.length, errors.length);
    const at = w.reserveLength(reserved);
    this.writeBody(users, errors);
    w.finishLength(at, reserved, w.pos);
    return w.pos;
  }

  /** One entry per user, spliced, then the per-user errors (field 2, written in full). */
  private writeBody(users: Users, errors: readonly UserError[]): void {
    const w = this.writer;
    const cache = this.cache;
    let buf = w.buf;
    let pos = w.pos;
    for (let i = 0; i < users.length; i++) {
      const user = users[i]!;
      // By user id the cache must be current (`put` on change; the loader on a miss); by status, the version decides.
      const entry = typeof user === "string" ? (cache.get(user) ?? cache.put(this.load(user))) : cache.entryFor(user);
      if (pos + entry.length > buf.length) buf = growAt(w, pos, entry.length);
      buf.set(entry, pos);
      pos += entry.length;
    }
    w.pos = pos;
    for (let i = 0; i < errors.length; i++) writeUserErrorEntry(w, errors[i]!);
  }
}
