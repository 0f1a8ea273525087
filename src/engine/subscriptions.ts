// The subscription list rules (rules 6 and 7) as functions from a list to the
// next list: the engine applies them inside a transition, the store keeps the
// result and the reverse index that finds a changed user's subscribers.

export interface SubscribeOutcome {
  /** The list after the call, earliest subscribed first. */
  list: string[];
  /** Entries removed to stay within the cap, earliest subscribed first. */
  evicted: string[];
}

/**
 * Appends `targets` (already deduplicated) to the list. An entry already
 * present moves to the newest position: re-subscribing is the only way a
 * client can say it still cares, so it protects the entry from eviction. Then
 * evicts from the earliest until the list holds at most `cap` entries.
 */
export function subscribeTo(list: readonly string[], targets: readonly string[], cap: number): SubscribeOutcome {
  const moved = new Set(targets);
  const next = [...list.filter((target) => !moved.has(target)), ...targets];
  const excess = Math.max(0, next.length - cap);
  return { list: next.slice(excess), evicted: next.slice(0, excess) };
}

/** Removes the given targets; `removed` lists those that were subscribed, in argument order. */
export function unsubscribeFrom(list: readonly string[], targets: readonly string[]): { list: string[]; removed: string[] } {
  const present = new Set(list);
  const removed = targets.filter((target) => present.delete(target));
  return { list: [...present], removed };
}
