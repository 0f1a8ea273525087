// One kernel write per connection per turn of the event loop: a connection
// asks once per turn to be flushed, and every connection that asked is
// flushed once, after the turn's I/O callbacks, by one `setImmediate`. The
// flush writes what the connection gathered over the turn (its
// notifications, as one buffer); a connection that also answered in the
// turn corked its socket for the answers and uncorks it in its flush, so
// answers and notifications leave in one writev. With a notification window,
// notifications wait instead for the window to close (one timer for every
// connection), gathering more per write for that much more latency.
export class WriteBatch {
  private flushes: (() => void)[] = [];
  private windowFlushes: (() => void)[] = [];

  /** `windowMs`: how long notifications may wait to leave together; 0, the end of the turn. */
  constructor(readonly windowMs = 0) {}

  /** Runs `flush` once at the end of this turn: call it at most once per turn for a connection. */
  atTurnEnd(flush: () => void): void {
    if (this.flushes.push(flush) === 1) setImmediate(this.run);
  }

  /** Runs `flush` once when the current window closes (without a window, at the end of this turn). */
  atWindowEnd(flush: () => void): void {
    if (this.windowMs === 0) return this.atTurnEnd(flush);
    if (this.windowFlushes.push(flush) === 1) setTimeout(this.runWindow, this.windowMs);
  }

  // Each list is taken before it runs: a flush asked for meanwhile waits for the next turn or window.
  private readonly run = (): void => {
    const flushes = this.flushes;
    this.flushes = [];
    runEach(flushes);
  };

  private readonly runWindow = (): void => {
    const flushes = this.windowFlushes;
    this.windowFlushes = [];
    runEach(flushes);
  };
}

function runEach(flushes: readonly (() => void)[]): void {
  for (let i = 0; i < flushes.length; i++) flushes[i]!();
}
