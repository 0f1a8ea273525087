// Expectations on what a server sent, each failing with a CheckFailure that
// says what the spec wanted and what arrived.
import { ErrorCode, type Error as ErrorMessage } from "../../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../../generated/ts-proto/presence/v1/frame.js";
import type { UserStatus } from "../../../generated/ts-proto/presence/v1/status.js";
import { errorHandling, type ErrorContext } from "../../protocol/error-handling.js";
import { CheckFailure } from "../errors.js";
import type { FrameBody } from "./peer.js";

type BodyValue<K extends FrameBody["$case"]> = Extract<FrameBody, { $case: K }>["value"];

export function codeName(code: number): string {
  return `${ErrorCode[code] ?? "unknown code"} (${code})`;
}

export function describeBody(frame: Frame): string {
  if (frame.body?.$case === "error") return `Error ${codeName(frame.body.value.code)} "${frame.body.value.message}"`;
  return frame.body?.$case ?? "a frame without a body";
}

/** The body of `frame`, which must be of `kind`. */
export function bodyOf<K extends FrameBody["$case"]>(frame: Frame, kind: K, what = `request ${frame.requestId}`): BodyValue<K> {
  if (frame.body?.$case !== kind) throw new CheckFailure(`${what}: expected ${kind}, got ${describeBody(frame)}`);
  return frame.body.value as BodyValue<K>;
}

/** `frame` must be an Error with `code`. */
export function expectError(frame: Frame, code: ErrorCode, what = `request ${frame.requestId}`): ErrorMessage {
  if (frame.body?.$case !== "error" || frame.body.value.code !== code) {
    throw new CheckFailure(`${what}: expected Error ${codeName(code)}, got ${describeBody(frame)}`);
  }
  return frame.body.value;
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  const a = stable(actual);
  const e = stable(expected);
  if (a !== e) throw new CheckFailure(`${what}: expected ${e}, got ${a}`);
}

/** The status of `userId` among `statuses`; it must be there. */
export function statusIn(statuses: readonly UserStatus[], userId: string, what: string): UserStatus {
  const status = statuses.find((s) => s.userId === userId);
  if (!status) throw new CheckFailure(`${what}: no status of ${userId} (got ${statuses.map((s) => s.userId).join(", ") || "none"})`);
  return status;
}

/** The WebSocket close code the spec declares for `code` in `context` (errors.proto, error_handling). */
export function declaredCloseCode(code: ErrorCode, context: ErrorContext): number | undefined {
  const handling = errorHandling(code, context);
  return handling?.closesConnection ? handling.websocketCloseCode : undefined;
}

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
}
