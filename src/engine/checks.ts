// The engine's own request checks. They read the configured limits (which a
// stateless validator cannot know) and return the error code to answer with.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { LimitsConfig } from "../spec/limits.js";

/** A failed check: the code for the Error frame and a message for logs. */
export interface CheckFailure {
  code: ErrorCode;
  message: string;
}

/** Bytes of the UTF-8 encoding, without allocating it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export function checkUserId(userId: string, limits: LimitsConfig, field = "user id"): CheckFailure | undefined {
  const bytes = utf8Length(userId);
  if (bytes === 0) return { code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS, message: `${field} is empty` };
  if (bytes > limits.maxUserIdBytes) {
    return { code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS, message: `${field} has ${bytes} bytes, more than ${limits.maxUserIdBytes}` };
  }
  return undefined;
}

/** Checks the count of a batch, then every id in it. */
export function checkUserIds(userIds: readonly string[], min: number, max: number, limits: LimitsConfig): CheckFailure | undefined {
  if (userIds.length < min || userIds.length > max) {
    return { code: ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, message: `${userIds.length} user ids, expected ${min} to ${max}` };
  }
  for (const userId of userIds) {
    const failure = checkUserId(userId, limits);
    if (failure) return failure;
  }
  return undefined;
}

export function checkCustomStatus(customStatus: string, limits: LimitsConfig): CheckFailure | undefined {
  const bytes = utf8Length(customStatus);
  if (bytes <= limits.maxCustomStatusBytes) return undefined;
  return { code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS, message: `custom status has ${bytes} bytes, more than ${limits.maxCustomStatusBytes}` };
}

/** The ids in first-seen order, each once. */
export function distinct(userIds: readonly string[]): string[] {
  return [...new Set(userIds)];
}
