// Stateless checks of a decoded client request against the spec's limits and
// rules. They answer with the spec's error code; what needs state (plan,
// switches, rate limits, the subscription list) is the engine's job.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { SPEC_LIMITS } from "../../generated/spec/presence/v1/spec.js";
import type { LimitsConfig } from "../spec/limits.js";
import { ProtocolError } from "./errors.js";

/** Bodies a client may send. Anything else arriving at a server is ERROR_CODE_UNSUPPORTED_BODY. */
export const CLIENT_BODY_CASES = [
  "loginRequest",
  "logoutRequest",
  "ping",
  "setSelfStatusRequest",
  "getUserStatusRequest",
  "subscribeUserStatusRequest",
  "unsubscribeUserStatusRequest",
] as const;

export type ClientBodyCase = (typeof CLIENT_BODY_CASES)[number];

export interface ValidationContext {
  /** The logged-in user of the connection, when there is one (needed for the self-subscription rule). */
  userId?: string;
  /** The limits in force. Default: the spec's. */
  limits?: Pick<LimitsConfig, "maxQueryUsers" | "maxSubscribeUsersPerCall" | "maxUnsubscribeUsersPerCall" | "maxCustomStatusBytes" | "maxUserIdBytes">;
}

/** The number of bytes `text` takes in UTF-8 (lone surrogates count as U+FFFD, as they are encoded). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function isClientBody(body: Frame["body"]): body is Extract<NonNullable<Frame["body"]>, { $case: ClientBodyCase }> {
  return body !== undefined && (CLIENT_BODY_CASES as readonly string[]).includes(body.$case);
}

/**
 * Checks a frame a client sent. Returns the ProtocolError the server answers
 * with (code, message), or undefined when the frame keeps every stateless rule.
 */
export function validateRequest(frame: Frame, context: ValidationContext = {}): ProtocolError | undefined {
  const limits = context.limits ?? SPEC_LIMITS;
  const { body } = frame;
  if (!isClientBody(body)) {
    return new ProtocolError(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY, body ? `${body.$case} is not a client request` : "frame has no body");
  }
  if (frame.requestId === 0) {
    return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "a request needs a non-zero request_id");
  }
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

function checkUserId(userId: string, maxBytes: number): ProtocolError | undefined {
  if (userId === "") return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "empty user id");
  const bytes = utf8Length(userId);
  if (bytes > maxBytes) return new ProtocolError(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `user id of ${bytes} bytes; at most ${maxBytes}`);
  return undefined;
}
