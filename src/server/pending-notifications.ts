// A connection's notifications not written yet. Over one turn of the event
// loop they gather to leave as one frame. While the client does not keep up,
// only the latest status of each user is kept: presence is state, not a log,
// so a status a newer one of the same user replaces need not be sent (the
// receiver sees a version jump), and what a slow client costs the server is
// bounded by the users it watches.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

export class PendingNotifications {
  /** Gathered since the last write or coalescing, in order. */
  private recent: UserStatus[] = [];
  /** Kept while the client is slow: the latest status of each user. Only while needed: most clients never are slow. */
  private latest: Map<string, UserStatus> | undefined;

  /** Statuses held. */
  get size(): number {
    return this.recent.length + (this.latest?.size ?? 0);
  }

  /**
   * Returns how many held statuses the new ones replaced: while the client is slow, a status goes
   * straight to the latest per user, so what it holds stays bounded however long the flush waits.
   */
  add(statuses: readonly UserStatus[]): number {
    const latest = this.latest;
    if (latest === undefined) {
      for (const status of statuses) this.recent.push(status);
      return 0;
    }
    const before = latest.size;
    for (const status of statuses) latest.set(status.userId, status);
    return statuses.length - (latest.size - before);
  }

  /** Keeps only the latest status of each user; returns how many older ones it dropped. */
  coalesce(): number {
    const before = this.size;
    const latest = (this.latest ??= new Map());
    for (const status of this.recent) latest.set(status.userId, status);
    this.recent = [];
    return before - latest.size;
  }

  /** Everything held, in the order to send it, leaving nothing. */
  take(): UserStatus[] {
    const statuses = this.latest === undefined || this.latest.size === 0 ? this.recent : [...this.latest.values(), ...this.recent];
    this.latest = undefined;
    this.recent = [];
    return statuses;
  }
}
