// The friends source of a cluster: symmetric friendships as one Redis set per
// user, so every node answers the same. Friend lists are read per change (one
// SMEMBERS each, in parallel); they change rarely and are small.
import type { Redis } from "ioredis";
import type { FriendsSource } from "../engine/index.js";
import type { ClusterKeys } from "./keys.js";
import { callRedis, checkReplies } from "./redis-calls.js";

export class RedisFriends implements FriendsSource {
  constructor(
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
  ) {}

  friendsOf(userId: string): Promise<string[]> {
    return callRedis(() => this.redis.smembers(this.keys.friends(userId)));
  }

  /** Adds friendships (each pair both ways); adding one twice changes nothing. */
  async befriend(pairs: Iterable<readonly [string, string]>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const [a, b] of pairs) {
      if (a === b) continue;
      pipeline.sadd(this.keys.friends(a), b).sadd(this.keys.friends(b), a);
    }
    if (pipeline.length > 0) checkReplies(await callRedis(() => pipeline.exec()));
  }

  async unfriend(pairs: Iterable<readonly [string, string]>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const [a, b] of pairs) pipeline.srem(this.keys.friends(a), b).srem(this.keys.friends(b), a);
    if (pipeline.length > 0) checkReplies(await callRedis(() => pipeline.exec()));
  }

}
