// Ordering of status updates: the latest status seen per user. Answers and
// notifications can cross, so a status older than the one kept is dropped;
// versions count within an epoch, so a status of another epoch replaces it.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

/** What a status says about the one kept for its user. */
export type Freshness = "stale" | "next" | "gap" | "first";

export class LatestStatuses {
  private readonly statuses = new Map<string, UserStatus>();

  /** The latest status kept of `userId`. */
  get(userId: string): UserStatus | undefined {
    return this.statuses.get(userId);
  }

  /**
   * Keeps `status` unless it is stale. "gap": newer by more than one version within the same epoch,
   * so at least one change was missed; "first": nothing comparable was kept (unknown user, or a new epoch).
   */
  remember(status: UserStatus): Freshness {
    const known = this.statuses.get(status.userId);
    const freshness = compare(known, status);
    if (freshness !== "stale") this.statuses.set(status.userId, status);
    return freshness;
  }

  /** The statuses that are not stale, each kept. */
  fresh(statuses: readonly UserStatus[]): UserStatus[] {
    return statuses.filter((status) => this.remember(status) !== "stale");
  }

  /**
   * Takes the user's own status from a LoginResponse. The server's state started afresh when it
   * announces another epoch for the user, or, without epochs, when the login's version is not above
   * the one kept (a login is a visible change, so within one state its version is above any seen
   * before). Every status kept then describes the old state, users the new one may not know: they
   * are forgotten.
   */
  rememberLogin(self: UserStatus): void {
    const known = this.statuses.get(self.userId);
    if (known && (known.epoch !== self.epoch || self.version <= known.version)) this.statuses.clear();
    this.remember(self);
  }
}

function compare(known: UserStatus | undefined, status: UserStatus): Freshness {
  if (!known || known.epoch !== status.epoch) return "first";
  if (status.version <= known.version) return "stale";
  return status.version === known.version + 1n ? "next" : "gap";
}
