// Errors a client call can end with.
import type { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { PresenceWireError, ProtocolError } from "../codec/errors.js";

/** The server answered the request with an Error frame. `code` is the spec's error code. */
export class PresenceRequestError extends ProtocolError {
  constructor(
    code: ErrorCode,
    message: string,
    retryAfterMs: number,
    /** The body kind of the request that failed, e.g. "subscribeUserStatusRequest". */
    readonly request: string,
  ) {
    super(code, message, retryAfterMs);
  }
}

/** No answer within the request timeout. The request may or may not have taken effect. */
export class RequestTimeoutError extends PresenceWireError {}

/** The connection closed (or was never open) before the answer arrived. */
export class ConnectionClosedError extends PresenceWireError {}

/** The server sent something the protocol does not allow at that point. */
export class UnexpectedResponseError extends PresenceWireError {}
