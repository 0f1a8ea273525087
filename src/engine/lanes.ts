// Orders asynchronous events. Each event names its lanes (its connection, its
// user) and starts once every event queued before it on any of them has ended,
// so a connection's frames are answered in the order they came and one user's
// transitions on this node apply in arrival order, while events of unrelated
// users overlap their store round trips. Waiting only on earlier events cannot
// deadlock.
export class Lanes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly running = new Set<Promise<void>>();

  /** Queues `task` behind the lanes' earlier tasks; resolves when it ends. `task` must not reject. */
  run(lanes: readonly string[], task: () => Promise<void>): Promise<void> {
    const before: Promise<void>[] = [];
    for (const lane of lanes) {
      const tail = this.tails.get(lane);
      if (tail) before.push(tail);
    }
    const done = (before.length === 0 ? Promise.resolve() : Promise.all(before)).then(task);
    for (const lane of lanes) this.tails.set(lane, done);
    this.running.add(done);
    void done.then(() => {
      this.running.delete(done);
      for (const lane of lanes) if (this.tails.get(lane) === done) this.tails.delete(lane);
    });
    return done;
  }

  /** Whether no task is queued or running on any of the lanes. */
  free(lanes: readonly string[]): boolean {
    return lanes.every((lane) => !this.tails.has(lane));
  }

  /** Resolves once no task is queued or running, including tasks queued meanwhile. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}
