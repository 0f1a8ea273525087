// One kernel write per connection per turn of the event loop: a connection
// asks once per turn to be flushed, and every connection that asked is
// flushed once, after the turn's I/O callbacks, by one `setImmediate`. The
// flush writes what the connection gathered over the turn (its
// notifications, as one buffer); a connection that also answered in the
// turn corked its socket for the answers and uncorks it in its flush, so
// answers and notifications leave in one writev.
export class WriteBatch {
  private flushes: (() => void)[] = [];

  /** Runs `flush` once at the end of this turn: call it at most once per turn for a connection. */
  atTurnEnd(flush: () => void): void {
    if (this.flushes.push(flush) === 1) setImmediate(this.run);
  }

  private readonly run = (): void => {
    const flushes = this.flushes;
    this.flushes = [];
    for (let i = 0; i < flushes.length; i++) flushes[i]!();
  };
}
