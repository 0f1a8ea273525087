// What either end of the kit does with each message the implementation under
// test sends: log it as evidence and decode it. A text message, bytes that are
// not a Frame, or (where a limit is given) a frame over it are violations,
// whatever the case is about.
import type WebSocket from "ws";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { decodeFrame } from "../codec/messages.js";
import type { EvidenceLog } from "./evidence.js";

/** The kit's codec takes frames of any size: the kit judges sizes itself, and sends oversized frames on purpose. */
export const ANY_SIZE = { maxFrameBytes: Number.MAX_SAFE_INTEGER };

export interface FrameHandlers {
  frame(frame: Frame): void;
  /** `what` the peer did, worded to follow "the client" or "the server". */
  violation(what: string): void;
}

export function receiveFrames(socket: WebSocket, label: string, log: EvidenceLog, handlers: FrameHandlers, maxFrameBytes?: number): void {
  socket.on("message", (data: Buffer, isBinary: boolean) => {
    const bytes = new Uint8Array(data);
    log.frame(label, "received", bytes);
    if (!isBinary) {
      handlers.violation("sent a text message; presence.v1 frames are binary messages (docs/protocol.md §2)");
      return;
    }
    if (maxFrameBytes !== undefined && bytes.length > maxFrameBytes) {
      handlers.violation(`sent a frame of ${bytes.length} bytes, over max_frame_bytes ${maxFrameBytes} (session.proto Limits.max_frame_bytes: both directions)`);
    }
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, ANY_SIZE);
    } catch (error) {
      handlers.violation(`sent a message that is not a valid Frame: ${String(error)} (docs/protocol.md §2.3)`);
      return;
    }
    handlers.frame(frame);
  });
}
