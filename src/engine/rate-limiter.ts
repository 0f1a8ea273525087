// Sliding-window rate limiting per user and operation class: at most `limit`
// accepted requests in any window of `windowMs`. A sliding log (not fixed
// buckets) so that 20 requests at the end of one bucket and 20 at the start of
// the next cannot both pass, and so retry-after is exact.
import { OPERATION_CLASSES, type OperationClass } from "../protocol/requests.js";

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export class SlidingWindowRateLimiter {
  /** Accepted request times per key, oldest first. */
  private readonly log = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Records a request at `nowMs` if the budget allows; a refused request is not recorded. */
  tryAcquire(userId: string, operation: OperationClass, nowMs: number): RateDecision {
    const key = `${operation}\u0000${userId}`;
    const times = (this.log.get(key) ?? []).filter((t) => t + this.windowMs > nowMs);
    const oldest = times[0];
    if (times.length >= this.limit && oldest !== undefined) {
      this.log.set(key, times);
      return { allowed: false, retryAfterMs: oldest + this.windowMs - nowMs };
    }
    times.push(nowMs);
    this.log.set(key, times);
    return { allowed: true };
  }

  /** Drops what is known about a user (their windows have long passed). */
  forget(userId: string): void {
    for (const operation of OPERATION_CLASSES) this.log.delete(`${operation}\u0000${userId}`);
  }
}
