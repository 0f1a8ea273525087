// The presence data the rules read and change: every user's record, the
// subscription lists, the rate windows, and the users changed by the event
// being processed. Connections and timers are not here: they belong to the
// node that holds the sockets.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { LimitsConfig } from "../protocol/limits.js";
import type { UserDirectory } from "./directory.js";
import { SlidingWindowRateLimiter } from "./rate-limiter.js";
import { SubscriptionStore } from "./subscriptions.js";
import { neverLoggedIn, UserState } from "./user-state.js";

/** The transport's name for one connection (e.g. a counter per accepted socket). */
export type ConnectionId = string;

export class PresenceState {
  private readonly users = new Map<string, UserState>();
  readonly subscriptions = new SubscriptionStore();
  readonly rateLimiter: SlidingWindowRateLimiter;
  /** Users changed by the event being processed, with the connection already answered with the new status. */
  readonly pendingChanges = new Map<string, ConnectionId | undefined>();

  constructor(
    private readonly directory: UserDirectory,
    limits: Pick<LimitsConfig, "rateLimitRequests" | "rateLimitWindowMs">,
  ) {
    this.rateLimiter = new SlidingWindowRateLimiter(limits.rateLimitRequests, limits.rateLimitWindowMs);
  }

  /** The record of a user who has logged in at least once. */
  user(userId: string): UserState | undefined {
    return this.users.get(userId);
  }

  /** The record of a user, created on first login. */
  userForLogin(userId: string): UserState {
    let user = this.users.get(userId);
    if (!user) this.users.set(userId, (user = new UserState(userId)));
    return user;
  }

  /** Known users: those who logged in, and those the directory knows. */
  exists(userId: string): boolean {
    return this.users.has(userId) || this.directory.exists(userId);
  }

  /** A user's current status, or undefined for a user nobody knows. One lookup answers both. */
  statusOf(userId: string): UserStatus | undefined {
    const user = this.users.get(userId);
    if (user) return user.snapshot();
    return this.directory.exists(userId) ? neverLoggedIn(userId) : undefined;
  }

  /** Marks a visible change to push when the event ends; `answered` already got the new status in its response. */
  changed(userId: string, answered: ConnectionId | undefined): void {
    this.pendingChanges.set(userId, answered);
  }
}
