// The request kinds of presence.v1: which frame bodies a client may send,
// what answers each, and which operation class (rate budget, plan and feature
// switch) a request belongs to. The frame comments in proto/ are the source.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";

type FrameBody = NonNullable<Frame["body"]>;

/** Each body a client may send, with the body of the answer it gets when it succeeds. */
export const RESPONSE_KIND = {
  loginRequest: "loginResponse",
  logoutRequest: "logoutResponse",
  ping: "pong",
  setSelfStatusRequest: "setSelfStatusResponse",
  getUserStatusRequest: "getUserStatusResponse",
  subscribeUserStatusRequest: "subscribeUserStatusResponse",
  unsubscribeUserStatusRequest: "unsubscribeUserStatusResponse",
} as const satisfies Record<string, FrameBody["$case"]>;

export type RequestKind = keyof typeof RESPONSE_KIND;

/** Bodies a client may send. Anything else arriving at a server is ERROR_CODE_UNSUPPORTED_BODY. */
export const REQUEST_KINDS: readonly RequestKind[] = Object.freeze(Object.keys(RESPONSE_KIND) as RequestKind[]);

export type RequestBody<K extends RequestKind = RequestKind> = Extract<FrameBody, { $case: K }>;
export type RequestValue<K extends RequestKind> = RequestBody<K>["value"];
export type ResponseKind<K extends RequestKind = RequestKind> = (typeof RESPONSE_KIND)[K];
export type ResponseBody<K extends RequestKind = RequestKind> = Extract<FrameBody, { $case: ResponseKind<K> }>;
export type ResponseValue<K extends RequestKind> = ResponseBody<K>["value"];

const requestKinds: ReadonlySet<string> = new Set(REQUEST_KINDS);

export function isRequestBody(body: Frame["body"]): body is RequestBody {
  return body !== undefined && requestKinds.has(body.$case);
}

/**
 * The operations the source system gates: each needs the premium plan and the
 * feature switch, and each has its own rate budget (`Limits.rate_limit_requests`
 * per `Limits.rate_limit_window_ms`).
 */
export const OPERATION_CLASSES = ["query", "subscribe", "unsubscribe"] as const;
export type OperationClass = (typeof OPERATION_CLASSES)[number];

/** The gated class of a request, or undefined for login, logout, ping, own status and a query of oneself only. */
export function operationClassOf(body: RequestBody, selfUserId: string | undefined): OperationClass | undefined {
  switch (body.$case) {
    case "getUserStatusRequest":
      return body.value.userIds.some((id) => id !== selfUserId) ? "query" : undefined;
    case "subscribeUserStatusRequest":
      return "subscribe";
    case "unsubscribeUserStatusRequest":
      return "unsubscribe";
    default:
      return undefined;
  }
}
