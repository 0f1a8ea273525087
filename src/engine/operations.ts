// The four operations of the source system's API, and the gate in front of
// the three it sells on the premium plan. Each is a function of the state it
// reads and the change it makes; it answers with a response body or a refusal,
// records the changes to notify, and never sends anything itself.
import { ErrorCode, type UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type {
  GetUserStatusRequest,
  SetSelfStatusRequest,
  SubscribeUserStatusRequest,
  UnsubscribeUserStatusRequest,
} from "../../generated/ts-proto/presence/v1/operations.js";
import { StatusChangeReason } from "../../generated/ts-proto/presence/v1/status.js";
import type { OperationClass, ResponseBody } from "../protocol/requests.js";
import type { AppConfig } from "./config.js";
import type { Change } from "./fan-out.js";
import type { PresenceState } from "./state.js";
import type { ConnectionId } from "./store.js";
import { subscribeTo, unsubscribeFrom } from "./subscriptions.js";
import { statusOf } from "./user-state.js";

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
  /** The changes the event made so far, to notify once it ends. */
  readonly changes: Map<string, Change>;
}

/** The ids in first-seen order, each once; the ids themselves when none repeats (no copy on the query path). */
function distinct(userIds: readonly string[]): readonly string[] {
  const unique = new Set(userIds);
  return unique.size === userIds.length ? userIds : [...unique];
}

const accountNotFound = (userId: string): UserError => ({ userId, code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND, message: "account not found" });

/** Plan, then switch, then rate: a request refused earlier does not spend the budget. */
export async function gate(context: OperationContext, userId: string, operation: OperationClass): Promise<Refusal | undefined> {
  const { config } = context;
  if (config.plan !== "premium") {
    return { code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED, message: `${operation} needs the premium plan` };
  }
  if (!config.featureEnabled) {
    return { code: ErrorCode.ERROR_CODE_FEATURE_DISABLED, message: "the user status feature switch is off" };
  }
  const decision = await context.state.tryAcquire(userId, operation, context.nowMs);
  if (decision.allowed) return undefined;
  return {
    code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT,
    message: `more than ${config.limits.rateLimitRequests} ${operation} requests in ${config.limits.rateLimitWindowMs} ms`,
    retryAfterMs: decision.retryAfterMs,
  };
}

export async function setSelfStatus(context: OperationContext, connectionId: ConnectionId, self: string, request: SetSelfStatusRequest): Promise<Answer> {
  const { result: status, record } = await context.state.changeUser(self, (user) => {
    // Setting the value already held is not a visible change: no version, no push.
    const write = request.customStatus !== user.customStatus;
    if (write) {
      user.customStatus = request.customStatus;
      const reason =
        request.customStatus === ""
          ? StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_CLEARED
          : StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET;
      user.bump(reason, context.nowMs);
    }
    return { write, result: statusOf(self, user.record(), context.state.store.epoch) };
  });
  if (record) context.changes.set(self, { record, answered: connectionId });
  return { body: { $case: "setSelfStatusResponse", value: { status } } };
}

export async function getUserStatus(context: OperationContext, request: GetUserStatusRequest): Promise<Answer> {
  const { statuses, unknown } = await context.state.lookup(distinct(request.userIds));
  const errors = unknown.map(accountNotFound);
  if (statuses.length === 0) return allFailed(errors);
  return { body: { $case: "getUserStatusResponse", value: { statuses, errors } } };
}

export async function subscribe(context: OperationContext, self: string, request: SubscribeUserStatusRequest): Promise<Answer> {
  const { state } = context;
  const userIds = distinct(request.userIds);
  const known = await state.statuses(userIds);
  const found = userIds.filter((_, i) => known[i]);
  const errors = userIds.filter((_, i) => !known[i]).map(accountNotFound);
  if (found.length === 0) return allFailed(errors);
  const cap = context.config.limits.maxSubscriptions;
  const evicted = await state.changeSubscriptions(self, (list) => {
    const outcome = subscribeTo(list, found, cap);
    return { list: outcome.list, result: outcome.evicted };
  });
  // Read after the list is committed: a change committed later finds this subscriber, so none falls between.
  const kept = found.filter((id) => !evicted.includes(id));
  const statuses = (await state.statuses(kept)).filter((status) => status !== undefined);
  return { body: { $case: "subscribeUserStatusResponse", value: { statuses, evictedUserIds: evicted, errors } } };
}

export async function unsubscribe(context: OperationContext, self: string, request: UnsubscribeUserStatusRequest): Promise<Answer> {
  const removedUserIds = await context.state.changeSubscriptions(self, (list) => {
    // An empty request removes every entry, earliest subscribed first.
    const { list: next, removed } = request.userIds.length === 0 ? { list: [], removed: [...list] } : unsubscribeFrom(list, distinct(request.userIds));
    return { list: removed.length > 0 ? next : undefined, result: removed };
  });
  return { body: { $case: "unsubscribeUserStatusResponse", value: { removedUserIds } } };
}

/** Every user of a batch failed: the request fails with the (first) per-user code. */
function allFailed(errors: readonly UserError[]): Answer {
  const code = errors[0]?.code ?? ErrorCode.ERROR_CODE_INVALID_PARAMETERS;
  return { refusal: { code, message: `all ${errors.length} users failed` } };
}
