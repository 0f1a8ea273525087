// The default store: the presence data of one node, in memory. Commits are
// atomic because nothing else runs between their check and their writes.
import type { OperationClass } from "../protocol/requests.js";
import type { AppConfig } from "./config.js";
import { admit, type RateDecision } from "./rate-limiter.js";
import type { Cell, PresenceStore, StoreWrite, UserRecord } from "./store.js";

export class InMemoryPresenceStore implements PresenceStore {
  /** @param epoch announced in every status; a server passes its start time, since its state starts afresh with it. */
  constructor(readonly epoch = 0n) {}

  // Values and revisions apart, so the 500-user query reaches each record in one lookup.
  private readonly users = new Map<string, UserRecord>();
  private readonly lists = new Map<string, readonly string[]>();
  /**
   * Reverse index of the lists: who subscribes each user. Built at the first `subscribersOf`, then
   * kept: over a recipient index (recipient-index.ts) nobody asks, and it would hold every
   * subscription a second time.
   */
  private subscribers: Map<string, Set<string>> | undefined;
  private readonly rateWindows = new Map<string, readonly number[]>();
  /** By cell key; revisions keep counting across deletes, so a cell written again never repeats one. */
  private readonly revisions = new Map<string, number>();
  private nextRevision = 1;
  private settings: Partial<AppConfig> = {};
  private readonly observers: ((write: StoreWrite) => void)[] = [];

  /** Tells `listener` of every record and list held, then of every write of one (recipient-index.ts). */
  observe(listener: (write: StoreWrite) => void): void {
    for (const [userId, value] of this.users) listener({ kind: "user", userId, revision: 0, value });
    for (const [userId, value] of this.lists) listener({ kind: "subscriptions", userId, revision: 0, value });
    this.observers.push(listener);
  }

  async readUser(userId: string): Promise<Cell<UserRecord>> {
    return this.cell(this.users.get(userId), `u\u0000${userId}`);
  }

  async readUsers(userIds: readonly string[], each: (record: UserRecord | undefined, index: number) => void): Promise<void> {
    for (let i = 0; i < userIds.length; i++) each(this.users.get(userIds[i]!), i);
  }

  async readSubscriptions(userId: string): Promise<Cell<readonly string[]>> {
    return this.cell(this.lists.get(userId), `s\u0000${userId}`);
  }

  async subscribersOf(userIds: readonly string[]): Promise<string[][]> {
    const subscribers = (this.subscribers ??= this.reverseLists());
    return userIds.map((userId) => [...(subscribers.get(userId) ?? [])]);
  }

  async readRateWindows(userId: string, operations: readonly OperationClass[]): Promise<Cell<readonly number[]>[]> {
    return operations.map((operation) => {
      const key = rateKey(userId, operation);
      return this.cell(this.rateWindows.get(key), key);
    });
  }

  async acquire(userId: string, operation: OperationClass, nowMs: number, limit: number, windowMs: number): Promise<RateDecision> {
    const { decision, times } = admit(this.rateWindows.get(rateKey(userId, operation)) ?? [], nowMs, limit, windowMs);
    if (decision.allowed) this.apply({ kind: "rate", userId, operation, revision: 0, value: times });
    return decision;
  }

  async commit(writes: readonly StoreWrite[]): Promise<boolean> {
    if (!writes.every((write) => (this.revisions.get(keyOf(write)) ?? 0) === write.revision)) return false;
    for (const write of writes) this.apply(write);
    return true;
  }

  async readSettings(): Promise<Partial<AppConfig>> {
    return { ...this.settings };
  }

  async writeSettings(settings: AppConfig): Promise<void> {
    this.settings = { ...settings };
  }

  async countSubscriptions(): Promise<number> {
    let count = 0;
    for (const list of this.lists.values()) count += list.length;
    return count;
  }

  private cell<T>(value: T | undefined, key: string): Cell<T> {
    return { value, revision: value === undefined ? 0 : (this.revisions.get(key) ?? 0) };
  }

  private apply(write: StoreWrite): void {
    const key = keyOf(write);
    if (write.kind !== "user" && write.value.length === 0) this.revisions.delete(key);
    else this.revisions.set(key, this.nextRevision++);
    if (write.kind === "user") {
      this.users.set(write.userId, write.value);
    } else if (write.kind === "rate") {
      if (write.value.length === 0) this.rateWindows.delete(key);
      else this.rateWindows.set(key, write.value);
    } else {
      // Each id a request names is a string of its own: a list holds the one its user's record holds.
      write = { ...write, value: write.value.map((id) => this.users.get(id)?.userId ?? id) };
      this.replaceList(write.userId, write.value);
    }
    if (write.kind !== "rate") for (const observer of this.observers) observer(write);
  }

  private replaceList(subscriber: string, list: readonly string[]): void {
    if (this.subscribers) {
      const next = new Set(list);
      for (const target of this.lists.get(subscriber) ?? []) if (!next.has(target)) unindex(this.subscribers, subscriber, target);
      for (const target of list) index(this.subscribers, subscriber, target);
    }
    if (list.length === 0) this.lists.delete(subscriber);
    else this.lists.set(subscriber, list);
  }

  private reverseLists(): Map<string, Set<string>> {
    const reverse = new Map<string, Set<string>>();
    for (const [subscriber, list] of this.lists) for (const target of list) index(reverse, subscriber, target);
    return reverse;
  }
}

function index(reverse: Map<string, Set<string>>, subscriber: string, target: string): void {
  let set = reverse.get(target);
  if (!set) reverse.set(target, (set = new Set()));
  set.add(subscriber);
}

function unindex(reverse: Map<string, Set<string>>, subscriber: string, target: string): void {
  const set = reverse.get(target);
  set?.delete(subscriber);
  if (set?.size === 0) reverse.delete(target);
}

function rateKey(userId: string, operation: OperationClass): string {
  return `r\u0000${operation}\u0000${userId}`;
}

function keyOf(write: StoreWrite): string {
  if (write.kind === "user") return `u\u0000${write.userId}`;
  if (write.kind === "subscriptions") return `s\u0000${write.userId}`;
  return rateKey(write.userId, write.operation);
}
