// Subscription lists: per subscriber, the users it follows in subscription
// order (a Set keeps insertion order), plus the reverse index used to find a
// changed user's subscribers without scanning every list.

export interface SubscribeOutcome {
  /** Entries removed to stay within the cap, earliest subscribed first. */
  evicted: string[];
}

export class SubscriptionStore {
  private readonly lists = new Map<string, Set<string>>();
  private readonly subscribers = new Map<string, Set<string>>();

  /**
   * Appends `targets` (already deduplicated) to the subscriber's list. An entry
   * already present moves to the newest position: re-subscribing is the only
   * way a client can say it still cares, so it protects the entry from eviction.
   * Then evicts from the earliest until the list holds at most `cap` entries.
   */
  subscribe(subscriber: string, targets: readonly string[], cap: number): SubscribeOutcome {
    let list = this.lists.get(subscriber);
    if (!list) this.lists.set(subscriber, (list = new Set()));
    for (const target of targets) {
      list.delete(target);
      list.add(target);
      this.reverse(target).add(subscriber);
    }
    const evicted: string[] = [];
    for (const earliest of list) {
      if (list.size <= cap) break;
      this.remove(subscriber, earliest);
      evicted.push(earliest);
    }
    return { evicted };
  }

  /** Removes the given targets; returns those that were subscribed, in argument order. */
  unsubscribe(subscriber: string, targets: readonly string[]): string[] {
    return targets.filter((target) => this.remove(subscriber, target));
  }

  /** Removes every entry; returns them, earliest subscribed first. */
  clear(subscriber: string): string[] {
    const all = this.listOf(subscriber);
    for (const target of all) this.remove(subscriber, target);
    return all;
  }

  /** The subscriber's list, earliest subscribed first. */
  listOf(subscriber: string): string[] {
    return [...(this.lists.get(subscriber) ?? [])];
  }

  subscribersOf(target: string): Iterable<string> {
    return this.subscribers.get(target) ?? [];
  }

  private remove(subscriber: string, target: string): boolean {
    const list = this.lists.get(subscriber);
    if (!list?.delete(target)) return false;
    if (list.size === 0) this.lists.delete(subscriber);
    const reverse = this.subscribers.get(target);
    reverse?.delete(subscriber);
    if (reverse?.size === 0) this.subscribers.delete(target);
    return true;
  }

  private reverse(target: string): Set<string> {
    let set = this.subscribers.get(target);
    if (!set) this.subscribers.set(target, (set = new Set()));
    return set;
  }
}
