// Splicing by user id instead of by status: the caller keeps the cache
// current (`StatusEntryCache.put` on every change) and passes only user ids;
// a loader fills misses. And splicing entries the caller already holds (no
// lookups at all). The server splices by status and version instead
// (src/fast/splice-encoder.ts); the benchmark compares these forms with it.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../../src/codec/errors.js";
import { writeUserErrorEntry } from "../../src/fast/entry.js";
import type { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { bodyLengthPrefixGuess, writeFrameHeader } from "../../src/fast/frame.js";
import { FRAME_GET_USER_STATUS_RESPONSE, FRAME_USER_STATUS_CHANGED } from "../../src/fast/tags.js";
import { ByteWriter, finishLength } from "../../src/fast/writer.js";

/** Loads a user's current status on a cache miss (the server's source of truth). */
export type StatusLoader = (userId: string) => UserStatus;

const NO_ERRORS: readonly UserError[] = [];

const noLoader: StatusLoader = (userId) => {
  throw new EncodeError(`no cached entry for user ${JSON.stringify(userId)} and no loader`);
};

/** Each `write*` returns the byte count `n` of `buffer[0, n)`, valid until the next call. */
export class UserIdSplicer {
  private readonly writer: ByteWriter;

  constructor(
    private readonly cache: StatusEntryCache,
    private readonly load: StatusLoader = noLoader,
    initialCapacity = 64 * 1024,
  ) {
    this.writer = new ByteWriter(initialCapacity);
  }

  get buffer(): Uint8Array {
    return this.writer.buf;
  }

  /** GetUserStatusResponse with the statuses of `userIds` (in order) and `errors`. */
  writeGetUserStatusResponse(userIds: readonly string[], errors: readonly UserError[] = NO_ERRORS): number {
    this.writer.pos = 0;
    return this.writeBody(userIds, errors);
  }

  /** UserStatusChangedNotification with the statuses of `userIds`. */
  writeUserStatusChanged(userIds: readonly string[]): number {
    this.writer.pos = 0;
    return this.writeBody(userIds, NO_ERRORS);
  }

  writeGetUserStatusResponseFrame(requestId: number, userIds: readonly string[], errors: readonly UserError[] = NO_ERRORS): number {
    return this.writeFrame(requestId, FRAME_GET_USER_STATUS_RESPONSE, userIds, errors);
  }

  writeUserStatusChangedFrame(requestId: number, userIds: readonly string[]): number {
    return this.writeFrame(requestId, FRAME_USER_STATUS_CHANGED, userIds, NO_ERRORS);
  }

  /** GetUserStatusResponse from entries the caller already holds (from `put`/`get`): no lookups, one copy per user. */
  writeGetUserStatusResponseFromEntries(entries: readonly Uint8Array[], errors: readonly UserError[] = NO_ERRORS): number {
    const w = this.writer;
    w.pos = 0;
    for (let i = 0; i < entries.length; i++) w.raw(entries[i]!);
    return writeErrors(w, errors);
  }

  private writeFrame(requestId: number, bodyTag: number, userIds: readonly string[], errors: readonly UserError[]): number {
    const w = this.writer;
    const reserved = bodyLengthPrefixGuess(userIds.length, errors.length);
    const at = writeFrameHeader(w, requestId, bodyTag, reserved);
    return finishLength(w, at, reserved, this.writeBody(userIds, errors));
  }

  /** From `w.pos`: one spliced entry per user, then the per-user errors; returns the end. */
  private writeBody(userIds: readonly string[], errors: readonly UserError[]): number {
    const w = this.writer;
    const cache = this.cache;
    for (let i = 0; i < userIds.length; i++) {
      const userId = userIds[i]!;
      w.raw(cache.get(userId) ?? cache.put(this.load(userId)));
    }
    return writeErrors(w, errors);
  }
}

function writeErrors(w: ByteWriter, errors: readonly UserError[]): number {
  for (let i = 0; i < errors.length; i++) writeUserErrorEntry(w, errors[i]!);
  return w.pos;
}
