// Encodes the server's outgoing frames. The two hot ones (a query answer and
// a change notification) go through the hand-tuned fast path, splicing each
// user's cached, pre-encoded status entry; every other frame goes through the
// generated codec. Both produce the same bytes (tested in test/fast and
// test/server/frame-encoder.test.ts).
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../codec/errors.js";
import { encodeFrame } from "../codec/messages.js";
import { hasUnknownFields } from "../fast/entry.js";
import { SplicedStatusEncoder, StatusEntryCache } from "../fast/index.js";

// The splicer writes each status and error entry in full, unknown fields included, but builds
// the Frame and its body from scratch: frames whose own fields carry unknowns take the generated codec.
export function splicesExactly(frame: Frame): boolean {
  return !hasUnknownFields(frame._unknownFields) && (frame.body === undefined || !hasUnknownFields(frame.body.value._unknownFields));
}

export class FrameEncoder {
  private readonly splicer: SplicedStatusEncoder;
  /**
   * The engine hands every receiver of one change the same status object:
   * its notification is encoded once and the same bytes go to all of them.
   */
  private readonly notifications = new WeakMap<UserStatus, Uint8Array>();

  /**
   * Entries are reused by (user, version): the engine raises a user's version
   * on every visible change (docs/engine.md), so the same version means the
   * same bytes. One cache lookup per status.
   */
  constructor(maxCachedUsers = 100_000) {
    this.splicer = new SplicedStatusEncoder(new StatusEntryCache({ maxEntries: maxCachedUsers }), undefined, (bytes) => Buffer.allocUnsafe(bytes));
  }

  /** The frame's bytes, never written again (the socket may hold on to them; a notification's may be shared). */
  encode(frame: Frame, maxFrameBytes: number): Uint8Array {
    const body = frame.body;
    if (!splicesExactly(frame)) return encodeFrame(frame, { maxFrameBytes });
    let length: number;
    let single: UserStatus | undefined;
    if (body?.$case === "getUserStatusResponse") {
      length = this.splicer.writeGetUserStatusResponseFrameFromStatuses(frame.requestId, body.value.statuses, body.value.errors);
    } else if (body?.$case === "userStatusChanged") {
      single = frame.requestId === 0 && body.value.statuses.length === 1 ? body.value.statuses[0] : undefined;
      const shared = single && this.notifications.get(single);
      if (shared && shared.length <= maxFrameBytes) return shared;
      length = this.splicer.writeUserStatusChangedFrameFromStatuses(frame.requestId, body.value.statuses);
    } else {
      return encodeFrame(frame, { maxFrameBytes });
    }
    if (length > maxFrameBytes) throw new EncodeError(`frame of ${length} bytes exceeds ${maxFrameBytes}`);
    const bytes = this.splicer.buffer.slice(0, length);
    if (single) this.notifications.set(single, bytes);
    return bytes;
  }

  /**
   * A connection's pending notifications in as few frames as the rules allow
   * (one, unless they pass `maxFrameBytes` or a user changed twice), statuses
   * in order: a lone status takes
   * the bytes shared by every receiver of its change, more are spliced from
   * their cached entries.
   */
  encodeNotifications(statuses: readonly UserStatus[], maxFrameBytes: number): Uint8Array[] {
    if (statuses.length === 1) return [this.encode({ requestId: 0, body: { $case: "userStatusChanged", value: { statuses: [statuses[0]!] } } }, maxFrameBytes)];
    return this.splicer.userStatusChangedFrames(statuses, maxFrameBytes);
  }
}
