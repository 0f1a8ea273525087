// Who exists and who is whose friend: questions the engine asks but does not
// own. Both sit behind small interfaces so a server can plug in its account
// and relationship stores; the in-memory defaults serve tests and demos.

/** Answers whether a user id names an account. */
export interface UserDirectory {
  exists(userId: string): boolean;
}

/**
 * Knows the ids registered with it. The engine itself also treats every user
 * who has ever logged in as known, so an empty directory still answers for them.
 */
export class InMemoryUserDirectory implements UserDirectory {
  private readonly userIds: Set<string>;

  constructor(userIds: Iterable<string> = []) {
    this.userIds = new Set(userIds);
  }

  register(userId: string): void {
    this.userIds.add(userId);
  }

  exists(userId: string): boolean {
    return this.userIds.has(userId);
  }
}

/**
 * The friends whose changes a user's change is pushed to (when friend
 * auto-notification is on): `friendsOf(u)` is everyone who receives u's changes.
 */
export interface FriendsSource {
  /** A source shared by many nodes answers asynchronously. */
  friendsOf(userId: string): Iterable<string> | Promise<Iterable<string>>;
}

/** A pair of friends (symmetric). */
export type FriendPair = readonly [string, string];

/** A friends source an operator can change in bulk (the admin API). */
export interface FriendsRegistry extends FriendsSource {
  /** Adds friendships; adding one twice changes nothing. */
  befriendAll(pairs: readonly FriendPair[]): void | Promise<void>;
  unfriendAll(pairs: readonly FriendPair[]): void | Promise<void>;
  /** Replaces every friendship with these. */
  replaceAll(pairs: readonly FriendPair[]): void | Promise<void>;
}

/** Symmetric friendships held in memory. */
export class InMemoryFriends implements FriendsRegistry {
  private readonly friends = new Map<string, Set<string>>();
  private readonly observers: ((a: string, b: string, friends: boolean) => void)[] = [];

  /** Tells `listener` of every friendship, then of every one made or ended (recipient-index.ts); returns how to stop. */
  observe(listener: (a: string, b: string, friends: boolean) => void): () => void {
    for (const [a, set] of this.friends) for (const b of set) if (a < b) listener(a, b, true);
    this.observers.push(listener);
    return () => {
      const at = this.observers.indexOf(listener);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  befriend(a: string, b: string): void {
    if (a === b || this.friends.get(a)?.has(b)) return;
    this.setOf(a).add(b);
    this.setOf(b).add(a);
    for (const observer of this.observers) observer(a, b, true);
  }

  unfriend(a: string, b: string): void {
    if (!this.friends.get(a)?.has(b)) return;
    this.friends.get(a)!.delete(b);
    this.friends.get(b)?.delete(a);
    for (const observer of this.observers) observer(a, b, false);
  }

  friendsOf(userId: string): Iterable<string> {
    return this.friends.get(userId) ?? [];
  }

  befriendAll(pairs: readonly FriendPair[]): void {
    for (const [a, b] of pairs) this.befriend(a, b);
  }

  unfriendAll(pairs: readonly FriendPair[]): void {
    for (const [a, b] of pairs) this.unfriend(a, b);
  }

  replaceAll(pairs: readonly FriendPair[]): void {
    for (const [a, set] of [...this.friends]) for (const b of [...set]) if (a < b) this.unfriend(a, b);
    this.friends.clear();
    this.befriendAll(pairs);
  }

  private setOf(userId: string): Set<string> {
    let set = this.friends.get(userId);
    if (!set) this.friends.set(userId, (set = new Set()));
    return set;
  }
}
