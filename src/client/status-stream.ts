// Status changes as an async iterator, for `for await (const statuses of
// client.statusChanges())`. Changes that arrive while the loop body runs are
// combined, each user once at their latest status, so a slow loop holds at
// most one status per user and never works through stale ones.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";

type Result = IteratorResult<UserStatus[], undefined>;

export class StatusStream implements AsyncIterableIterator<UserStatus[]> {
  private readonly pending = new Map<string, UserStatus>();
  private readonly waiting: ((result: Result) => void)[] = [];
  private ended = false;

  /** `stopFeeding` runs once, when the stream ends. */
  constructor(private readonly stopFeeding: () => void) {}

  /** Adds a batch of changes. */
  push(statuses: readonly UserStatus[]): void {
    if (this.ended) return;
    for (const status of statuses) {
      // Deleted first, so that a batch lists users in the order of their latest change.
      this.pending.delete(status.userId);
      this.pending.set(status.userId, status);
    }
    this.waiting.shift()?.({ done: false, value: this.take() });
  }

  /** No more changes will come: those already pushed are still taken, then the stream is done. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopFeeding();
    if (this.pending.size > 0) this.waiting.shift()?.({ done: false, value: this.take() });
    for (const resolve of this.waiting.splice(0)) resolve({ done: true, value: undefined });
  }

  next(): Promise<Result> {
    if (this.pending.size > 0) return Promise.resolve({ done: false, value: this.take() });
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Ends the stream, dropping changes not yet taken; `break` out of a `for await` loop calls it. */
  return(): Promise<Result> {
    this.pending.clear();
    this.end();
    return Promise.resolve({ done: true, value: undefined });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private take(): UserStatus[] {
    const statuses = [...this.pending.values()];
    this.pending.clear();
    return statuses;
  }
}
