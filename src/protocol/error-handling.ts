// What each error code does, as the spec declares it: the
// `(presence.v1.error_handling)` options of `ErrorCode` in errors.proto, read
// into a table by codegen. The engine, the server, the client SDK and the docs
// all take their answers from here.
import {
  ERROR_HANDLING,
  type ClientAction,
  type ErrorContext,
  type ErrorHandling,
} from "../../generated/spec/presence/v1/spec.js";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";

export { ERROR_HANDLING, type ClientAction, type ErrorContext, type ErrorHandling };

/** WebSocket close codes (RFC 6455 section 7.4) for closes that no error code explains. */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
} as const;

/** The spec's handling of `code` in `context`, or undefined where the spec never sends it (a receiver then fails the request). */
export function errorHandling(code: ErrorCode, context: ErrorContext): ErrorHandling | undefined {
  return ERROR_HANDLING[code]?.find((handling) => handling.context === context);
}

/** What a client does about `code` in `context`: an undeclared code or context fails the request it answers, never more. */
export function clientActionFor(code: ErrorCode, context: ErrorContext): ClientAction {
  return errorHandling(code, context)?.clientAction ?? "fail";
}

/** Whether the server closes the connection after sending `code` in `context`. A connection error always closes. */
export function closesConnection(code: ErrorCode, context: ErrorContext): boolean {
  return errorHandling(code, context)?.closesConnection ?? context === "connection";
}

/**
 * The WebSocket close code for a connection that ends because of `code`:
 * ERROR_CODE_UNSPECIFIED is a normal close (after a logout); a code the spec
 * does not close with is a policy violation.
 */
export function closeCodeFor(code: ErrorCode): number {
  if (code === ErrorCode.ERROR_CODE_UNSPECIFIED) return CLOSE_CODES.normal;
  const closing = ERROR_HANDLING[code]?.find((handling) => handling.closesConnection);
  return closing?.websocketCloseCode ?? CLOSE_CODES.policyViolation;
}

/** The one way an Error frame is built: the answer to request `requestId`, or with 0 a connection error. */
export function errorFrame(requestId: number, code: ErrorCode, message: string, retryAfterMs = 0): Frame {
  return { requestId, body: { $case: "error", value: { code, message, retryAfterMs } } };
}
