// Re-querying users whose notification skipped versions: a receiver that
// missed a change queries the user (protocol.md section 1). Only other users
// are re-queried, since a device learns its own changes from its answers and
// its login. Querying others needs the premium plan and the feature switch;
// once the server refuses it for good, re-querying waits for the next login.
import { clientActionFor } from "../protocol/index.js";
import { PresenceRequestError } from "./errors.js";

export class Resync {
  private readonly due = new Set<string>();
  private running = false;
  private refused = false;

  constructor(
    private readonly selfId: string,
    /** Queries the users and passes on what is newer. */
    private readonly query: (userIds: string[]) => Promise<unknown>,
    private readonly failed: (error: unknown) => void,
  ) {}

  /** Queries `userIds` soon: one query for the notifications of one turn, one query at a time. */
  request(userIds: readonly string[]): void {
    if (this.refused) return;
    for (const id of userIds) if (id !== this.selfId) this.due.add(id);
    if (this.due.size > 0 && !this.running) void this.run();
  }

  /** A new login: the plan or the switches may have changed since a refusal. */
  reset(): void {
    this.refused = false;
  }

  private async run(): Promise<void> {
    this.running = true;
    // A turn later: pushes held for a login answer come before the connection is online, and the
    // notifications that arrive meanwhile join the same query.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (this.due.size > 0 && !this.refused) {
      const userIds = [...this.due];
      this.due.clear();
      try {
        await this.query(userIds);
      } catch (error) {
        // E.g. PREMIUM_REQUIRED on the basic plan: the notifications' statuses, whole by themselves, stand.
        if (error instanceof PresenceRequestError && clientActionFor(error.code, "request") === "fail") this.refused = true;
        this.failed(error);
      }
    }
    this.due.clear();
    this.running = false;
  }
}
