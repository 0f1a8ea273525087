// The engine's timers on the real clock. The server keeps every live one so
// that closing it stops them all and the process can exit.
import type { TimerHandle, Timers } from "../engine/index.js";

export class RealTimers implements Timers {
  private readonly live = new Map<TimerHandle, NodeJS.Timeout>();
  private nextHandle = 1;

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.nextHandle++;
    this.live.set(
      handle,
      setTimeout(() => {
        this.live.delete(handle);
        callback();
      }, delayMs),
    );
    return handle;
  }

  cancel(handle: TimerHandle): void {
    clearTimeout(this.live.get(handle));
    this.live.delete(handle);
  }

  cancelAll(): void {
    for (const timer of this.live.values()) clearTimeout(timer);
    this.live.clear();
  }
}
