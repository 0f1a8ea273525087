// The WebSocket class the server's sockets are made of. `ws` refuses a message
// over its maxPayload from the frame header, before buffering it, and closes
// with 1009 by itself; the spec wants ERROR_CODE_FRAME_TOO_LARGE sent first, so
// that close is preceded by the Error frame (queued ahead of the close frame).
import { WebSocket } from "ws";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { encodeFrame } from "../codec/messages.js";
import { CLOSE_CODES, errorFrame } from "../protocol/index.js";

const TOO_LARGE = encodeFrame(errorFrame(0, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE, "frame larger than max_frame_bytes"));

export class FrameLimitedWebSocket extends WebSocket {
  // ws's own refusal passes no reason; every close of the server's Connection passes one.
  override close(code?: number, reason?: string | Buffer): void {
    if (code === CLOSE_CODES.messageTooBig && reason === undefined && this.readyState === this.OPEN) this.send(TOO_LARGE);
    super.close(code, reason);
  }
}
