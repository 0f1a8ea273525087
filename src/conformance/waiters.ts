// Waits of the kit, event-driven and bounded: a probe of state that callbacks
// change, run again each time they wake the waiters, until it finds something
// or the time is up (a CheckFailure naming what never came).
import { CheckFailure } from "./errors.js";

export class Waiters {
  private waiting: (() => void)[] = [];

  /** `probe` may throw to end the wait early (the connection or process it waits on is gone). */
  async until<T>(probe: () => T | undefined, timeoutMs: number, fail: () => string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new CheckFailure(fail());
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  wake(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }
}
