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
  friendsOf(userId: string): Iterable<string>;
}

/** Symmetric friendships held in memory. */
export class InMemoryFriends implements FriendsSource {
  private readonly friends = new Map<string, Set<string>>();

  befriend(a: string, b: string): void {
    if (a === b) return;
    this.setOf(a).add(b);
    this.setOf(b).add(a);
  }

  unfriend(a: string, b: string): void {
    this.friends.get(a)?.delete(b);
    this.friends.get(b)?.delete(a);
  }

  friendsOf(userId: string): Iterable<string> {
    return this.friends.get(userId) ?? [];
  }

  /** Drops every friendship (before a bulk replace). */
  clear(): void {
    this.friends.clear();
  }

  private setOf(userId: string): Set<string> {
    let set = this.friends.get(userId);
    if (!set) this.friends.set(userId, (set = new Set()));
    return set;
  }
}
