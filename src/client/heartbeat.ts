// The heartbeat of an online connection: ping when nothing was sent for one
// interval, and declare the link dead when a ping gets no frame back within
// another.
export interface HeartbeatHooks {
  /** The interval the server announced at login. */
  intervalMs(): number;
  ping(): void;
  /** No frame arrived within an interval after a ping. */
  dead(): void;
}

export class Heartbeat {
  private running = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private deadTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly hooks: HeartbeatHooks) {}

  start(): void {
    this.running = true;
    this.sent();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.idleTimer);
    clearTimeout(this.deadTimer);
    this.idleTimer = undefined;
    this.deadTimer = undefined;
  }

  /** A frame went out: the next ping is due one interval from now. */
  sent(): void {
    if (!this.running) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.idle(), this.hooks.intervalMs());
  }

  /** A frame came in: the link is alive. */
  received(): void {
    clearTimeout(this.deadTimer);
    this.deadTimer = undefined;
  }

  private idle(): void {
    this.idleTimer = undefined;
    this.hooks.ping();
    this.deadTimer ??= setTimeout(() => {
      this.deadTimer = undefined;
      this.hooks.dead();
    }, this.hooks.intervalMs());
  }
}
