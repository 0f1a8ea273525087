// The presence data the rules read and change, as the rules see it: user
// records, subscription lists and rate windows in a PresenceStore, plus the
// directory of known users. Each change is one transition of one user's
// cells, applied with transact() so it is atomic whatever the store.
// Connections and timers are not here: they belong to the node that holds the
// sockets.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { LimitsConfig } from "../protocol/limits.js";
import { OPERATION_CLASSES, type OperationClass } from "../protocol/requests.js";
import type { UserDirectory } from "./directory.js";
import type { RateDecision } from "./rate-limiter.js";
import { transact, type PresenceStore, type StoreWrite, type UserRecord } from "./store.js";
import { statusOf, UserState } from "./user-state.js";

/** What a transition of a user's record decided: whether to write the record, and what to answer. */
export interface UserTransition<T> {
  write: boolean;
  result: T;
}

export class PresenceState {
  constructor(
    readonly store: PresenceStore,
    private readonly directory: UserDirectory,
    /** Read at each use: an operator may replace the limits while the engine runs. */
    private readonly config: { readonly limits: Readonly<LimitsConfig> },
  ) {}

  /** Each user's status in argument order, undefined for a user nobody knows: one read however many ids. */
  async statuses(userIds: readonly string[]): Promise<(UserStatus | undefined)[]> {
    const statuses: (UserStatus | undefined)[] = [];
    await this.store.readUsers(userIds, (record, i) => {
      const userId = userIds[i]!;
      statuses.push(record || this.directory.exists(userId) ? statusOf(userId, record, this.store.epoch) : undefined);
    });
    return statuses;
  }

  /** The statuses of the users known, and the ids of those unknown, each in argument order: one read, one pass. */
  async lookup(userIds: readonly string[]): Promise<{ statuses: UserStatus[]; unknown: string[] }> {
    const statuses: UserStatus[] = [];
    const unknown: string[] = [];
    await this.store.readUsers(userIds, (record, i) => {
      const userId = userIds[i]!;
      if (record || this.directory.exists(userId)) statuses.push(statusOf(userId, record, this.store.epoch));
      else unknown.push(userId);
    });
    return { statuses, unknown };
  }

  /**
   * Applies `rule` to a working copy of the user's record and commits it when
   * the rule says so; `record` is what was committed. A user gets a record at
   * the first transition that writes one.
   */
  async changeUser<T>(userId: string, rule: (user: UserState) => UserTransition<T>): Promise<{ result: T; record: UserRecord | undefined }> {
    return transact<{ result: T; record: UserRecord | undefined }>(this.store, async () => {
      const cell = await this.store.readUser(userId);
      const user = new UserState(userId, cell.value);
      const { write, result } = rule(user);
      if (!write) return { writes: [], result: { result, record: undefined } };
      const record = user.record();
      return { writes: [{ kind: "user", userId, revision: cell.revision, value: record }], result: { result, record } };
    });
  }

  /** Applies `rule` to the subscriber's list; a `list` of undefined leaves it unchanged. */
  async changeSubscriptions<T>(userId: string, rule: (list: readonly string[]) => { list: readonly string[] | undefined; result: T }): Promise<T> {
    return transact(this.store, async () => {
      const cell = await this.store.readSubscriptions(userId);
      const { list, result } = rule(cell.value ?? []);
      const writes: StoreWrite[] = list ? [{ kind: "subscriptions", userId, revision: cell.revision, value: list }] : [];
      return { writes, result };
    });
  }

  /** Counts a request against the user's window of that class if the budget allows (rule 9). */
  tryAcquire(userId: string, operation: OperationClass, nowMs: number): Promise<RateDecision> {
    const { rateLimitRequests, rateLimitWindowMs } = this.config.limits;
    return this.store.acquire(userId, operation, nowMs, rateLimitRequests, rateLimitWindowMs);
  }

  /**
   * Clears the list of a subscriber whose retention deadline has passed with
   * no device back, with the deadline itself; true when it did. Whichever
   * node gets here first does it; the others find no deadline.
   */
  async expireRetention(userId: string, nowMs: number): Promise<boolean> {
    const { subscriptionRetentionMs, rateLimitWindowMs } = this.config.limits;
    // Every request of the user is at least this old, so its rate windows are over too.
    const operations = subscriptionRetentionMs >= rateLimitWindowMs ? OPERATION_CLASSES : [];
    return transact(this.store, async () => {
      const [user, list, windows] = await Promise.all([
        this.store.readUser(userId),
        this.store.readSubscriptions(userId),
        this.store.readRateWindows(userId, operations),
      ]);
      const due = user.value?.retainUntilMs;
      if (!user.value || due === undefined || due > nowMs || user.value.devices.length > 0) return { writes: [], result: false };
      const cleared = new UserState(userId, user.value);
      cleared.retainUntilMs = undefined;
      const writes: StoreWrite[] = [
        { kind: "user", userId, revision: user.revision, value: cleared.record() },
        { kind: "subscriptions", userId, revision: list.revision, value: [] },
        ...operations.map((operation, i): StoreWrite => ({ kind: "rate", userId, operation, revision: windows[i]?.revision ?? 0, value: [] })),
      ];
      return { writes, result: true };
    });
  }
}
