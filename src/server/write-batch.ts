// One kernel write per connection per turn of the event loop: the first
// frame a connection sends in a turn corks its socket, and every corked
// socket is uncorked once, after the turn's I/O callbacks, so the frames that
// arose meanwhile (the notifications of many events) leave in one writev.
import type { Socket } from "node:net";

export class WriteBatch {
  private corked: Socket[] = [];

  /** Call before writing to `socket`: its writes wait for the end of this turn. */
  hold(socket: Socket): void {
    if (socket.writableCorked > 0) return;
    socket.cork();
    if (this.corked.push(socket) === 1) setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    const corked = this.corked;
    this.corked = [];
    for (const socket of corked) socket.uncork();
  };
}
