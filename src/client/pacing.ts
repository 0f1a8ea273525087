// Paces the rate-limited calls: each operation class spends its own budget of
// the server's rate limit, and a call the server still refuses with "retry
// after" (as the spec declares it) is sent again once that time has passed.
import { clientActionFor, type OperationClass } from "../protocol/index.js";
import { PresenceRequestError } from "./errors.js";
import { RateBudget } from "./planner.js";

export class Pacer {
  private readonly budgets: Record<OperationClass, RateBudget>;

  constructor(
    requests: number,
    windowMs: number,
    /** How many times a refused call is sent again. */
    private readonly retries: number,
  ) {
    this.budgets = {
      query: new RateBudget(requests, windowMs),
      subscribe: new RateBudget(requests, windowMs),
      unsubscribe: new RateBudget(requests, windowMs),
    };
  }

  /** Adopts the rate limit the server announced at login. */
  configure(requests: number, windowMs: number): void {
    for (const budget of Object.values(this.budgets)) budget.configure(requests, windowMs);
  }

  /**
   * Runs `call` within the budget of `operation` (a call of no operation class
   * is not paced); a refusal whose action is "retry after" (a rate limit, a
   * node shedding load or without its store) is sent again once that time has passed.
   */
  async run<T>(operation: OperationClass | undefined, call: () => Promise<T>): Promise<T> {
    const budget = operation === undefined ? undefined : this.budgets[operation];
    for (let attempt = 0; ; attempt++) {
      const delay = budget?.delayMs(Date.now()) ?? 0;
      if (delay > 0) await sleep(delay);
      budget?.record(Date.now());
      try {
        return await call();
      } catch (error) {
        const retryAfter = error instanceof PresenceRequestError && clientActionFor(error.code, "request") === "retry-after";
        if (!retryAfter || attempt >= this.retries) throw error;
        if (budget) budget.blockUntil(Date.now() + error.retryAfterMs);
        else await sleep(error.retryAfterMs);
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
