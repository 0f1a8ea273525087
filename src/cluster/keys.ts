// Every Redis key and channel of cluster mode, in one place. A user's keys
// share the hash tag {userId}, so each transition's compare-and-set script
// touches one Redis Cluster slot; the few keys about the whole cluster (the
// node registry, the retention schedule, the switches, the epoch) are read
// and written with single-key commands, never inside a script with user keys.
import type { OperationClass } from "../protocol/requests.js";

/**
 * A user id as it appears inside a hash tag. Braces end or empty a tag, so
 * they are escaped (with `%`, escaped first): otherwise "}x" would hash each
 * key of that user to a different slot.
 */
function tag(userId: string): string {
  // An empty tag hashes the whole key; "%" alone is no escaped id, so it stands for the empty one.
  if (userId === "") return "{%}";
  return `{${userId.replaceAll("%", "%25").replaceAll("{", "%7B").replaceAll("}", "%7D")}}`;
}

export class ClusterKeys {
  constructor(readonly prefix = "presence:") {}

  /** The user's record: "<revision>:<json>". */
  user(userId: string): string {
    return `${this.prefix}${tag(userId)}:user`;
  }
  /** The user's subscription list: "<revision>:<json array>". */
  subscriptions(userId: string): string {
    return `${this.prefix}${tag(userId)}:subs`;
  }
  /** One rate window of the user: "<revision>:<json array of times>", expiring on its own. */
  rate(userId: string, operation: OperationClass): string {
    return `${this.prefix}${tag(userId)}:rate:${operation}`;
  }
  /** The counter the revisions of all the user's cells come from, so a revision never repeats. */
  revisions(userId: string): string {
    return `${this.prefix}${tag(userId)}:rev`;
  }
  /** Who subscribes the user (a set): the reverse index of the lists. */
  subscribers(userId: string): string {
    return `${this.prefix}${tag(userId)}:subscribers`;
  }
  /** The user's friends (a set), when the cluster holds the friends source. */
  friends(userId: string): string {
    return `${this.prefix}${tag(userId)}:friends`;
  }

  /** The users who have friends (a set), so a bulk replace finds every friend list. */
  get usersWithFriends(): string {
    return `${this.prefix}friended`;
  }
  /** The generation of the shared state: set once by the first node, gone when Redis loses its data. */
  get epoch(): string {
    return `${this.prefix}epoch`;
  }
  /** The app's settings (switches, plan, limits) last written by any node. */
  get settings(): string {
    return `${this.prefix}settings`;
  }
  /** Subscription-retention deadlines: a sorted set of user ids by deadline (Unix ms). */
  get retention(): string {
    return `${this.prefix}retention`;
  }
  /** The ids of the nodes that registered (a set). */
  get nodes(): string {
    return `${this.prefix}nodes`;
  }
  /** A node's lease: present while the node lives. */
  lease(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:lease`;
  }
  /** The users that have (or had) a device on a node: what to look at when it dies. */
  nodeUsers(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:users`;
  }
  /** Taken by the one node that removes a dead node's devices. */
  reaper(nodeId: string): string {
    return `${this.prefix}node:${nodeId}:reaper`;
  }

  /** Notifications relayed to one node. */
  nodeChannel(nodeId: string): string {
    return `${this.prefix}node:${nodeId}`;
  }
  /** Settings changes, for every node. */
  get controlChannel(): string {
    return `${this.prefix}control`;
  }
}
