// The friends source of a cluster: symmetric friendships as one Redis set per
// user, so every node answers the same. Friend lists are read per change (one
// SMEMBERS each, in parallel); they change rarely and are small. A set of the
// users who have friends lets a bulk replace find every list to drop.
import type { Redis } from "ioredis";
import type { FriendPair, FriendsRegistry } from "../engine/index.js";
import type { ClusterKeys } from "./keys.js";
import { callRedis, checkReplies } from "./redis-calls.js";

export class RedisFriends implements FriendsRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
  ) {}

  friendsOf(userId: string): Promise<string[]> {
    return callRedis(() => this.redis.smembers(this.keys.friends(userId)));
  }

  async befriendAll(pairs: readonly FriendPair[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const [a, b] of pairs) {
      if (a === b) continue;
      pipeline.sadd(this.keys.friends(a), b).sadd(this.keys.friends(b), a).sadd(this.keys.usersWithFriends, a, b);
    }
    if (pipeline.length > 0) checkReplies(await callRedis(() => pipeline.exec()));
  }

  async unfriendAll(pairs: readonly FriendPair[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const [a, b] of pairs) pipeline.srem(this.keys.friends(a), b).srem(this.keys.friends(b), a);
    if (pipeline.length > 0) checkReplies(await callRedis(() => pipeline.exec()));
  }

  /** Drops every list, then imports: a node reading in between sees fewer friends, never a mix of old and new. */
  async replaceAll(pairs: readonly FriendPair[]): Promise<void> {
    const users = await callRedis(() => this.redis.smembers(this.keys.usersWithFriends));
    const pipeline = this.redis.pipeline();
    for (const userId of users) pipeline.del(this.keys.friends(userId));
    pipeline.del(this.keys.usersWithFriends);
    checkReplies(await callRedis(() => pipeline.exec()));
    await this.befriendAll(pairs);
  }
}
