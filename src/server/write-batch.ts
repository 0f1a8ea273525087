// One kernel write per connection per turn of the event loop: the first
// frame a connection sends in a turn corks its socket, and every corked
// socket is uncorked once, after the turn's I/O callbacks, so the frames that
// arose meanwhile (the notifications of many events) leave in one writev.
// Just before its socket is uncorked, the connection writes what it gathered
// over the turn (its notifications, as one frame).
import type { Socket } from "node:net";

export class WriteBatch {
  private corked: Socket[] = [];
  private beforeUncork: ((() => void) | undefined)[] = [];

  /**
   * Call before writing to `socket`: its writes wait for the end of this turn, when `before` runs first.
   * Returns whether `before` was taken: not when the socket was corked already (held, or corked by another).
   */
  hold(socket: Socket, before?: () => void): boolean {
    if (socket.writableCorked > 0) return false;
    socket.cork();
    this.beforeUncork.push(before);
    if (this.corked.push(socket) === 1) setImmediate(this.flush);
    return true;
  }

  private readonly flush = (): void => {
    const corked = this.corked;
    const before = this.beforeUncork;
    this.corked = [];
    this.beforeUncork = [];
    for (let i = 0; i < corked.length; i++) {
      before[i]?.();
      corked[i]!.uncork();
    }
  };
}
