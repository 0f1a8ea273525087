// Sliding-window rate limiting per user and operation class: at most `limit`
// accepted requests in any window of `windowMs`. A sliding log (not fixed
// buckets) so that 20 requests at the end of one bucket and 20 at the start of
// the next cannot both pass, and so retry-after is exact.

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Decides a request at `nowMs` against the accepted times (oldest first); `times` is the window to store next. */
export function admit(accepted: readonly number[], nowMs: number, limit: number, windowMs: number): { decision: RateDecision; times: number[] } {
  const times = accepted.filter((t) => t + windowMs > nowMs);
  const oldest = times[0];
  if (times.length >= limit && oldest !== undefined) return { decision: { allowed: false, retryAfterMs: oldest + windowMs - nowMs }, times };
  times.push(nowMs);
  return { decision: { allowed: true }, times };
}
