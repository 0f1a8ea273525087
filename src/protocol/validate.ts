// The stateless rules of a client's frame: which frames are requests at all
// (frame.proto: unknown bodies and request id 0), and the limits and rules a
// request's fields must keep. What needs state (login, plan, switches, rate
// budgets, the subscription list) is the engine's job.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { ProtocolError } from "../codec/errors.js";
import type { ErrorContext } from "./error-handling.js";
import { SPEC_LIMITS, type LimitsConfig } from "./limits.js";
import { isRequestBody, type RequestBody } from "./requests.js";
import { utf8Length } from "../wire/utf8.js";

export interface ValidationContext {
  /** The logged-in user of the connection, when there is one (needed for the self-subscription rule). */
  userId?: string;
  /** The limits in force. Default: the spec's. */
  limits?: Pick<LimitsConfig, "maxQueryUsers" | "maxSubscribeUsersPerCall" | "maxUnsubscribeUsersPerCall" | "maxCustomStatusBytes" | "maxUserIdBytes">;
}

/** What a server does with a frame from a client before it looks at any state. */
export type FrameDisposition =
  | { kind: "request"; request: RequestBody }
  /** An unknown or absent body with request id 0: nothing to answer, nothing to close. */
  | { kind: "ignore" }
  /** Answer with `error`; in the "connection" context with request id 0, and the connection closes. */
  | { kind: "refuse"; context: Extract<ErrorContext, "request" | "connection">; error: ProtocolError };

export function classifyFrame(frame: Frame): FrameDisposition {
  const { body, requestId } = frame;
  if (!isRequestBody(body)) {
    if (requestId === 0) return { kind: "ignore" };
    return { kind: "refuse", context: "request", error: unsupportedBody(body) };
  }
  if (requestId === 0) {
    // An answer with id 0 would read as a connection error, so the connection goes with it.
    return {
      kind: "refuse",
      context: "connection",
      error: new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `request ${body.$case} with request id 0; a request needs a non-zero request_id`),
    };
  }
  return { kind: "request", request: body };
}

/**
 * Checks a frame a client sent. Returns the ProtocolError the server answers
 * with (code, message), or undefined when the frame keeps every stateless rule.
 */
export function validateRequest(frame: Frame, context: ValidationContext = {}): ProtocolError | undefined {
  const disposition = classifyFrame(frame);
  switch (disposition.kind) {
    case "ignore":
      return unsupportedBody(frame.body);
    case "refuse":
      return disposition.error;
    case "request":
      return validateRequestFields(disposition.request, context);
  }
}

/** The limits and rules of a request's fields (batch counts, sizes, ids, self-subscription). */
export function validateRequestFields(body: RequestBody, context: ValidationContext = {}): ProtocolError | undefined {
  const limits = context.limits ?? SPEC_LIMITS;
  const checkIds = (ids: string[], min: number, max: number): ProtocolError | undefined => {
    if (ids.length < min || ids.length > max) {
      return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, `${ids.length} user ids; allowed ${min} to ${max}`);
    }
    for (const id of ids) {
      const problem = checkUserId(id, limits.maxUserIdBytes);
      if (problem) return problem;
    }
    return undefined;
  };
  switch (body.$case) {
    case "loginRequest": {
      // The token is the authenticator's to judge (it answers TOKEN_INVALID and closes).
      const { userId, deviceId } = body.value;
      if (utf8Length(deviceId) > limits.maxUserIdBytes) {
        return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `device_id over ${limits.maxUserIdBytes} bytes`);
      }
      return checkUserId(userId, limits.maxUserIdBytes);
    }
    case "setSelfStatusRequest": {
      const bytes = utf8Length(body.value.customStatus);
      return bytes > limits.maxCustomStatusBytes
        ? new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `custom status of ${bytes} bytes; at most ${limits.maxCustomStatusBytes}`)
        : undefined;
    }
    case "getUserStatusRequest":
      return checkIds(body.value.userIds, 1, limits.maxQueryUsers);
    case "subscribeUserStatusRequest": {
      const problem = checkIds(body.value.userIds, 1, limits.maxSubscribeUsersPerCall);
      if (problem) return problem;
      if (context.userId !== undefined && body.value.userIds.includes(context.userId)) {
        return new ProtocolError(ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF, "a user cannot subscribe to themselves");
      }
      return undefined;
    }
    case "unsubscribeUserStatusRequest":
      return checkIds(body.value.userIds, 0, limits.maxUnsubscribeUsersPerCall);
    case "logoutRequest":
    case "ping":
      return undefined;
  }
}

function unsupportedBody(body: Frame["body"]): ProtocolError {
  return new ProtocolError(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY, body ? `${body.$case} is not a client request` : "frame has no body");
}

function checkUserId(userId: string, maxBytes: number): ProtocolError | undefined {
  if (userId === "") return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "empty user id");
  // A UTF-16 unit is at most 3 bytes of UTF-8: most ids need no count (a query checks 500).
  if (userId.length * 3 <= maxBytes) return undefined;
  const bytes = utf8Length(userId);
  if (bytes > maxBytes) return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `user id of ${bytes} bytes; at most ${maxBytes}`);
  return undefined;
}
