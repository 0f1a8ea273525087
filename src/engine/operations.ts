// The four operations of the source system's API, and the gate in front of
// the three it sells on the premium plan. Each is a function of the state it
// reads and the change it makes; it answers with a response body or a refusal
// and never sends anything itself.
import { ErrorCode, type UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type {
  GetUserStatusRequest,
  SetSelfStatusRequest,
  SubscribeUserStatusRequest,
  UnsubscribeUserStatusRequest,
} from "../../generated/ts-proto/presence/v1/operations.js";
import { StatusChangeReason, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { OperationClass, ResponseBody } from "../protocol/requests.js";
import type { AppConfig } from "./config.js";
import type { ConnectionId, PresenceState } from "./state.js";
import type { UserState } from "./user-state.js";

/** Why a request is refused: the code and message of the Error frame. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

export type Answer = { body: ResponseBody } | { refusal: Refusal };

/** What an operation may read and change. */
export interface OperationContext {
  readonly config: AppConfig;
  readonly state: PresenceState;
  readonly nowMs: number;
}

/** The ids in first-seen order, each once. */
const distinct = (userIds: readonly string[]): string[] => [...new Set(userIds)];

const accountNotFound = (userId: string): UserError => ({ userId, code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND, message: "account not found" });

/** Plan, then switch, then rate: a request refused earlier does not spend the budget. */
export function gate(context: OperationContext, userId: string, operation: OperationClass): Refusal | undefined {
  const { config } = context;
  if (config.plan !== "premium") {
    return { code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED, message: `${operation} needs the premium plan` };
  }
  if (!config.featureEnabled) {
    return { code: ErrorCode.ERROR_CODE_FEATURE_DISABLED, message: "the user status feature switch is off" };
  }
  const decision = context.state.rateLimiter.tryAcquire(userId, operation, context.nowMs);
  if (decision.allowed) return undefined;
  return {
    code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT,
    message: `more than ${config.limits.rateLimitRequests} ${operation} requests in ${config.limits.rateLimitWindowMs} ms`,
    retryAfterMs: decision.retryAfterMs,
  };
}

export function setSelfStatus(context: OperationContext, connectionId: ConnectionId, user: UserState, request: SetSelfStatusRequest): Answer {
  // Setting the value already held is not a visible change: no version, no push.
  if (request.customStatus !== user.customStatus) {
    user.customStatus = request.customStatus;
    const reason =
      request.customStatus === ""
        ? StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_CLEARED
        : StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET;
    user.bump(reason, context.nowMs);
    context.state.changed(user.userId, connectionId);
  }
  return { body: { $case: "setSelfStatusResponse", value: { status: user.snapshot() } } };
}

export function getUserStatus(context: OperationContext, request: GetUserStatusRequest): Answer {
  const statuses: UserStatus[] = [];
  const errors: UserError[] = [];
  for (const userId of distinct(request.userIds)) {
    const status = context.state.statusOf(userId);
    if (status) statuses.push(status);
    else errors.push(accountNotFound(userId));
  }
  if (statuses.length === 0) return allFailed(errors);
  return { body: { $case: "getUserStatusResponse", value: { statuses, errors } } };
}

export function subscribe(context: OperationContext, self: string, request: SubscribeUserStatusRequest): Answer {
  const { state } = context;
  const found: string[] = [];
  const errors: UserError[] = [];
  for (const userId of distinct(request.userIds)) {
    if (state.exists(userId)) found.push(userId);
    else errors.push(accountNotFound(userId));
  }
  if (found.length === 0) return allFailed(errors);
  const { evicted } = state.subscriptions.subscribe(self, found, context.config.limits.maxSubscriptions);
  const statuses = found
    .filter((id) => !evicted.includes(id))
    .map((id) => state.statusOf(id))
    .filter((status) => status !== undefined);
  return { body: { $case: "subscribeUserStatusResponse", value: { statuses, evictedUserIds: evicted, errors } } };
}

export function unsubscribe(context: OperationContext, self: string, request: UnsubscribeUserStatusRequest): Answer {
  const { subscriptions } = context.state;
  const removedUserIds = request.userIds.length === 0 ? subscriptions.clear(self) : subscriptions.unsubscribe(self, distinct(request.userIds));
  return { body: { $case: "unsubscribeUserStatusResponse", value: { removedUserIds } } };
}

/** Every user of a batch failed: the request fails with the (first) per-user code. */
function allFailed(errors: readonly UserError[]): Answer {
  const code = errors[0]?.code ?? ErrorCode.ERROR_CODE_INVALID_PARAMETERS;
  return { refusal: { code, message: `all ${errors.length} users failed` } };
}
