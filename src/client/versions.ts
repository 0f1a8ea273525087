// Ordering of status updates: the latest status seen per user. Answers and
// notifications can cross, so a status older than the one kept is dropped;
// versions count within an epoch, so a status of another epoch replaces it.
// A version that jumps is normal (a server sends a client that falls behind
// only the latest status of each user): every status is the user's whole state.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

export class LatestStatuses {
  private readonly statuses = new Map<string, UserStatus>();

  /** The latest status kept of `userId`. */
  get(userId: string): UserStatus | undefined {
    return this.statuses.get(userId);
  }

  /** Keeps `status` unless it is stale (an older or the same version of the epoch kept); returns whether it kept it. */
  remember(status: UserStatus): boolean {
    const known = this.statuses.get(status.userId);
    if (known && known.epoch === status.epoch && status.version <= known.version) return false;
    this.statuses.set(status.userId, status);
    return true;
  }

  /** The statuses that are not stale, each kept. */
  fresh(statuses: readonly UserStatus[]): UserStatus[] {
    return statuses.filter((status) => this.remember(status));
  }

  /**
   * Takes the user's own status from a LoginResponse. The server's state started afresh when it
   * announces another epoch for the user, or, without epochs, when the login's version is not above
   * the one kept (a login is a visible change, so within one state its version is above any seen
   * before). Every status kept then describes the old state, users the new one may not know: they
   * are forgotten. Returns whether it kept `self`.
   */
  rememberLogin(self: UserStatus): boolean {
    const known = this.statuses.get(self.userId);
    if (known && (known.epoch !== self.epoch || self.version <= known.version)) this.statuses.clear();
    return this.remember(self);
  }
}

