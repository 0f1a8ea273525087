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
  // Revisions by user id, not by a key made per cell: such keys are one more string per cell.
  // They keep counting across deletes, so a cell written again never repeats one.
  private readonly userRevisions = new Map<string, number>();
  private readonly listRevisions = new Map<string, number>();
  /** Each operation's windows by user id, with their revisions. */
  private readonly rateWindows = new Map<OperationClass, Map<string, Cell<readonly number[]>>>();
  /**
   * Reverse index of the lists: who subscribes each user. Built at the first `subscribersOf`, then
   * kept: over a recipient index (recipient-index.ts) nobody asks, and it would hold every
   * subscription a second time.
   */
  private subscribers: Map<string, Set<string>> | undefined;
  private nextRevision = 1;
  private settings: Partial<AppConfig> = {};
  private readonly observers: ((write: StoreWrite) => void)[] = [];

  /** Tells `listener` of every record and list held, then of every write of one (recipient-index.ts); returns how to stop. */
  observe(listener: (write: StoreWrite) => void): () => void {
    for (const [userId, value] of this.users) listener({ kind: "user", userId, revision: 0, value });
    for (const [userId, value] of this.lists) listener({ kind: "subscriptions", userId, revision: 0, value });
    this.observers.push(listener);
    return () => {
      const at = this.observers.indexOf(listener);
      if (at >= 0) this.observers.splice(at, 1);
    };
  }

  async readUser(userId: string): Promise<Cell<UserRecord>> {
    const value = this.users.get(userId);
    return { value, revision: value === undefined ? 0 : (this.userRevisions.get(userId) ?? 0) };
  }

  async readUsers(userIds: readonly string[], each: (record: UserRecord | undefined, index: number) => void): Promise<void> {
    for (let i = 0; i < userIds.length; i++) each(this.users.get(userIds[i]!), i);
  }

  async readSubscriptions(userId: string): Promise<Cell<readonly string[]>> {
    const value = this.lists.get(userId);
    return { value, revision: value === undefined ? 0 : (this.listRevisions.get(userId) ?? 0) };
  }

  async subscribersOf(userIds: readonly string[]): Promise<string[][]> {
    const subscribers = (this.subscribers ??= this.reverseLists());
    return userIds.map((userId) => [...(subscribers.get(userId) ?? [])]);
  }

  async readRateWindows(userId: string, operations: readonly OperationClass[]): Promise<Cell<readonly number[]>[]> {
    return operations.map((operation) => this.rateWindows.get(operation)?.get(userId) ?? NEVER_WRITTEN);
  }

  async acquire(userId: string, operation: OperationClass, nowMs: number, limit: number, windowMs: number): Promise<RateDecision> {
    const { decision, times } = admit(this.rateWindows.get(operation)?.get(userId)?.value ?? [], nowMs, limit, windowMs);
    if (decision.allowed) this.apply({ kind: "rate", userId, operation, revision: 0, value: times });
    return decision;
  }

  async commit(writes: readonly StoreWrite[]): Promise<boolean> {
    if (!writes.every((write) => this.revisionOf(write) === write.revision)) return false;
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

  private revisionOf(write: StoreWrite): number {
    if (write.kind === "user") return this.userRevisions.get(write.userId) ?? 0;
    if (write.kind === "subscriptions") return this.listRevisions.get(write.userId) ?? 0;
    return this.rateWindows.get(write.operation)?.get(write.userId)?.revision ?? 0;
  }

  private apply(write: StoreWrite): void {
    const revision = this.nextRevision++;
    if (write.kind === "rate") {
      let windows = this.rateWindows.get(write.operation);
      if (!windows) this.rateWindows.set(write.operation, (windows = new Map()));
      if (write.value.length === 0) windows.delete(write.userId);
      else windows.set(write.userId, { value: write.value, revision });
      return;
    }
    if (write.kind === "user") {
      this.users.set(write.userId, write.value);
      this.userRevisions.set(write.userId, revision);
    } else {
      // Each id a request names is a string of its own: a list holds the one its user's record holds.
      write = { ...write, value: write.value.map((id) => this.users.get(id)?.userId ?? id) };
      this.replaceList(write.userId, write.value);
      if (write.value.length === 0) this.listRevisions.delete(write.userId);
      else this.listRevisions.set(write.userId, revision);
    }
    for (const observer of this.observers) observer(write);
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

const NEVER_WRITTEN: Cell<readonly number[]> = { value: undefined, revision: 0 };
