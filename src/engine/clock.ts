// Time as the engine sees it. The engine never reads the system clock or
// starts a real timer: both are injected, so a test (or a trace replayer) can
// drive a whole scenario on simulated time, and a server plugs in real ones.
import { PresenceWireError } from "../codec/errors.js";

/** The source of "now", in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** An opaque handle of a scheduled callback. */
export type TimerHandle = number;

/** One-shot timers. A callback never runs inside the call that scheduled it. */
export interface Timers {
  schedule(delayMs: number, callback: () => void): TimerHandle;
  /** Cancels a timer; cancelling one that already ran or was cancelled is a no-op. */
  cancel(handle: TimerHandle): void;
}

/** A misuse of the simulated clock (e.g. moving it backwards). */
export class SimulatedTimeError extends PresenceWireError {}

/** A clock that only moves when told to. */
export class ManualClock implements Clock {
  constructor(private currentMs = 0) {}

  now(): number {
    return this.currentMs;
  }

  /** Moves the clock to `ms`; time never goes backwards. */
  set(ms: number): void {
    if (ms < this.currentMs) throw new SimulatedTimeError(`clock cannot go back from ${this.currentMs} to ${ms}`);
    this.currentMs = ms;
  }
}

interface PendingTimer {
  readonly handle: TimerHandle;
  readonly dueMs: number;
  readonly callback: () => void;
}

/**
 * Timers driven by a ManualClock. `advanceTo` runs every due timer in order of
 * due time (ties in scheduling order), with the clock set to each timer's due
 * time while it runs, so timer callbacks see exactly the time they were due.
 */
export class SimulatedTimers implements Timers {
  private readonly pending = new Map<TimerHandle, PendingTimer>();
  private nextHandle = 1;

  constructor(readonly clock: ManualClock) {}

  schedule(delayMs: number, callback: () => void): TimerHandle {
    const handle = this.nextHandle++;
    this.pending.set(handle, { handle, dueMs: this.clock.now() + Math.max(0, delayMs), callback });
    return handle;
  }

  cancel(handle: TimerHandle): void {
    this.pending.delete(handle);
  }

  /** Number of timers scheduled and not yet run or cancelled. */
  get size(): number {
    return this.pending.size;
  }

  /** Runs every timer due at or before `ms`, then leaves the clock at `ms`. */
  advanceTo(ms: number): void {
    if (ms < this.clock.now()) throw new SimulatedTimeError(`cannot advance back from ${this.clock.now()} to ${ms}`);
    for (let next = this.earliestDue(ms); next; next = this.earliestDue(ms)) {
      this.pending.delete(next.handle);
      this.clock.set(next.dueMs);
      next.callback();
    }
    this.clock.set(ms);
  }

  /**
   * Like advanceTo, awaiting `settle()` after each timer, so the asynchronous
   * work a timer starts ends (and schedules the timers it schedules) before
   * the next timer runs: the order a synchronous run would have.
   */
  async advanceToSettled(ms: number, settle: () => Promise<void>): Promise<void> {
    if (ms < this.clock.now()) throw new SimulatedTimeError(`cannot advance back from ${this.clock.now()} to ${ms}`);
    for (let next = this.earliestDue(ms); next; next = this.earliestDue(ms)) {
      this.pending.delete(next.handle);
      this.clock.set(next.dueMs);
      next.callback();
      await settle();
    }
    this.clock.set(ms);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.clock.now() + ms);
  }

  // A linear scan keeps this simple; simulations hold few timers.
  private earliestDue(limitMs: number): PendingTimer | undefined {
    let earliest: PendingTimer | undefined;
    for (const timer of this.pending.values()) {
      if (timer.dueMs > limitMs) continue;
      if (!earliest || timer.dueMs < earliest.dueMs || (timer.dueMs === earliest.dueMs && timer.handle < earliest.handle)) {
        earliest = timer;
      }
    }
    return earliest;
  }
}

/** A clock and its timers, ready for a simulation. */
export function simulatedTime(startMs = 0): { clock: ManualClock; timers: SimulatedTimers } {
  const clock = new ManualClock(startMs);
  return { clock, timers: new SimulatedTimers(clock) };
}
