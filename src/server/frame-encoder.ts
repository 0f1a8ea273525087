// Encodes the server's outgoing frames. The two hot ones (a query answer and
// a change notification) go through the hand-tuned fast path, splicing each
// user's cached, pre-encoded status entry; every other frame goes through the
// generated codec. Both produce the same bytes (tested in test/fast).
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../codec/errors.js";
import { encodeFrame } from "../codec/messages.js";
import { hasUnknownFields } from "../fast/entry.js";
import { SplicedStatusEncoder, StatusEntryCache } from "../fast/index.js";

// The splicer writes each status and error entry in full, unknown fields included, but builds
// the Frame and its body from scratch: frames whose own fields carry unknowns take the generated codec.
function splicesExactly(frame: Frame): boolean {
  return !hasUnknownFields(frame._unknownFields) && (frame.body === undefined || !hasUnknownFields(frame.body.value._unknownFields));
}

export class FrameEncoder {
  private readonly cache: StatusEntryCache;
  private readonly splicer: SplicedStatusEncoder;
  // The version each cached entry was encoded from. A user's version grows on every visible
  // change (docs/engine.md), so an entry of the same user and version holds the same bytes.
  private readonly cachedVersions = new Map<string, bigint>();
  private readonly statusesOfFrame = new Map<string, UserStatus>();

  constructor(private readonly maxCachedUsers = 100_000) {
    this.cache = new StatusEntryCache({ maxEntries: maxCachedUsers });
    this.splicer = new SplicedStatusEncoder(this.cache, (userId) => {
      const status = this.statusesOfFrame.get(userId);
      if (!status) throw new EncodeError(`no status for ${userId} in the frame being encoded`);
      return status;
    });
  }

  /** The frame's bytes, an owned copy (the socket may hold on to it). */
  encode(frame: Frame, maxFrameBytes: number): Uint8Array {
    const body = frame.body;
    if (!splicesExactly(frame)) return encodeFrame(frame, { maxFrameBytes });
    let length: number;
    if (body?.$case === "getUserStatusResponse") {
      const { statuses, errors } = body.value;
      length = this.splice(statuses, (ids) => this.splicer.writeGetUserStatusResponseFrame(frame.requestId, ids, errors));
    } else if (body?.$case === "userStatusChanged") {
      length = this.splice(body.value.statuses, (ids) => this.splicer.writeUserStatusChangedFrame(frame.requestId, ids));
    } else {
      return encodeFrame(frame, { maxFrameBytes });
    }
    if (length > maxFrameBytes) throw new EncodeError(`frame of ${length} bytes exceeds ${maxFrameBytes}`);
    return this.splicer.buffer.slice(0, length);
  }

  private splice(statuses: readonly UserStatus[], write: (userIds: string[]) => number): number {
    // Bounded: forgetting versions only costs re-encoding entries, never wrong bytes.
    if (this.cachedVersions.size > 2 * this.maxCachedUsers) this.cachedVersions.clear();
    const userIds: string[] = [];
    this.statusesOfFrame.clear();
    for (const status of statuses) {
      userIds.push(status.userId);
      this.statusesOfFrame.set(status.userId, status);
      if (this.cachedVersions.get(status.userId) !== status.version || !this.cache.has(status.userId)) {
        this.cache.put(status);
        this.cachedVersions.set(status.userId, status.version);
      }
    }
    try {
      return write(userIds);
    } finally {
      this.statusesOfFrame.clear();
    }
  }
}
