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
  /** Kept while the client is slow: the latest status of each user. */
  private readonly latest = new Map<string, UserStatus>();

  /** Statuses held. */
  get size(): number {
    return this.recent.length + this.latest.size;
  }

  add(statuses: readonly UserStatus[]): void {
    for (const status of statuses) this.recent.push(status);
  }

  /** Keeps only the latest status of each user; returns how many older ones it dropped. */
  coalesce(): number {
    const before = this.size;
    for (const status of this.recent) this.latest.set(status.userId, status);
    this.recent = [];
    return before - this.latest.size;
  }

  /** Everything held, in the order to send it, leaving nothing. */
  take(): UserStatus[] {
    const statuses = this.recent;
    this.recent = [];
    if (this.latest.size === 0) return statuses;
    // Only a slow client's: Map#clear allocates a new table even when the map is empty.
    const all = [...this.latest.values(), ...statuses];
    this.latest.clear();
    return all;
  }
}
