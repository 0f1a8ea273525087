// Ordering of status updates: the highest version seen per user. Answers and
// notifications can cross, so a status older than one already seen is dropped.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

export class LatestVersions {
  private readonly versions = new Map<string, bigint>();

  /** Records `status` if it is newer than what was seen of its user; false when it is not. */
  remember(status: UserStatus): boolean {
    const known = this.versions.get(status.userId);
    if (known !== undefined && status.version <= known) return false;
    this.versions.set(status.userId, status.version);
    return true;
  }

  /** The statuses newer than what was seen, each recorded. */
  fresh(statuses: readonly UserStatus[]): UserStatus[] {
    return statuses.filter((status) => this.remember(status));
  }

  /** Forgets every version, e.g. for a restarted server whose versions start over. */
  clear(): void {
    this.versions.clear();
  }
}
