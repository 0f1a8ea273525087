// One kernel write per connection per turn of the event loop: a connection
// asks once per turn to be flushed, and every connection that asked is
// flushed once, after the turn's I/O callbacks, by one `setImmediate`. The
// flush writes what the connection gathered over the turn (its
// notifications, as one buffer); a connection that also answered in the
// turn corked its socket for the answers and uncorks it after, so answers
// and notifications leave in one writev. With a notification window,
// notifications wait instead for the window to close (one timer for every
// connection), gathering more per write for that much more latency.
/** What the write batch flushes (a connection: methods, not closures, so a connection holds none for it). */
export interface Flushable {
  /** The end of a turn in which it asked with `atTurnEnd`. */
  flushTurn(): void;
  /** The close of a window in which it asked with `atWindowEnd`; without a window, the end of the turn, before `flushTurn`. */
  flushWindow(): void;
}

export class WriteBatch {
  private turn: Flushable[] = [];
  private window: Flushable[] = [];
  private turnScheduled = false;

  /** `windowMs`: how long notifications may wait to leave together; 0, the end of the turn. */
  constructor(readonly windowMs = 0) {}

  /** `target.flushTurn()` runs once at the end of this turn: ask at most once per turn. */
  atTurnEnd(target: Flushable): void {
    this.turn.push(target);
    this.scheduleTurn();
  }

  /** `target.flushWindow()` runs once when the current window closes: ask at most once per window. */
  atWindowEnd(target: Flushable): void {
    if (this.window.push(target) > 1) return;
    if (this.windowMs === 0) this.scheduleTurn();
    else setTimeout(this.closeWindow, this.windowMs);
  }

  private scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.endTurn);
  }

  // Each list is taken before it runs: a flush asked for meanwhile waits for the next turn or window.
  private readonly endTurn = (): void => {
    this.turnScheduled = false;
    if (this.windowMs === 0) this.closeWindow();
    const turn = this.turn;
    this.turn = [];
    for (let i = 0; i < turn.length; i++) turn[i]!.flushTurn();
  };

  private readonly closeWindow = (): void => {
    const window = this.window;
    this.window = [];
    for (let i = 0; i < window.length; i++) window[i]!.flushWindow();
  };
}
