// Splits long id lists into calls that respect the per-call limit and the
// rate limit (N requests per window per operation class), so a caller can ask
// for 2,000 users and get one answer.
import { ConfigError } from "../codec/errors.js";

/** Splits `ids` into chunks of at most `maxPerCall`, dropping duplicates but keeping order. */
export function chunkIds(ids: readonly string[], maxPerCall: number): string[][] {
  if (!Number.isInteger(maxPerCall) || maxPerCall < 1) throw new ConfigError(`maxPerCall must be a positive integer, got ${maxPerCall}`);
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += maxPerCall) chunks.push(unique.slice(i, i + maxPerCall));
  return chunks;
}

/**
 * A client-side mirror of the server's sliding-window rate limit for one
 * operation class: it says how long to wait before the next request so that
 * the server's limit is not hit in the first place.
 */
export class RateBudget {
  private readonly sent: number[] = [];

  constructor(
    private requests: number,
    private windowMs: number,
  ) {}

  /** Adopts the limits the server announced at login. */
  configure(requests: number, windowMs: number): void {
    this.requests = requests;
    this.windowMs = windowMs;
  }

  /** Milliseconds to wait at `nowMs` before a request fits the budget (0: send now). */
  delayMs(nowMs: number): number {
    this.forget(nowMs);
    if (this.sent.length < this.requests) return 0;
    return this.sent[this.sent.length - this.requests]! + this.windowMs - nowMs;
  }

  /** Records a request sent at `nowMs`. */
  record(nowMs: number): void {
    this.sent.push(nowMs);
  }

  /** Pushes the budget back after the server said "retry after": nothing more until then. */
  blockUntil(untilMs: number): void {
    for (let i = 0; i < this.requests; i++) this.sent.push(untilMs - this.windowMs);
    this.sent.sort((a, b) => a - b);
  }

  private forget(nowMs: number): void {
    while (this.sent.length > 0 && this.sent[0]! <= nowMs - this.windowMs) this.sent.shift();
  }
}
