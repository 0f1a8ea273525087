// The default store: the presence data of one node, in memory. Commits are
// atomic because nothing else runs between their check and their writes.
import type { OperationClass } from "../protocol/requests.js";
import type { AppSwitches } from "./config.js";
import type { Cell, PresenceStore, StoreWrite, UserRecord } from "./store.js";

interface Stored<T> {
  value: T;
  revision: number;
}

const ABSENT: Cell<never> = { value: undefined, revision: 0 };

export class InMemoryPresenceStore implements PresenceStore {
  private readonly users = new Map<string, Stored<UserRecord>>();
  private readonly lists = new Map<string, Stored<readonly string[]>>();
  /** Reverse index of the lists: who subscribes each user. */
  private readonly subscribers = new Map<string, Set<string>>();
  private readonly rateWindows = new Map<string, Stored<readonly number[]>>();
  /** Revisions keep counting across deletes, so a cell deleted and written again never repeats one. */
  private nextRevision = 1;
  private switches: Partial<AppSwitches> = {};

  async readUser(userId: string): Promise<Cell<UserRecord>> {
    return this.users.get(userId) ?? ABSENT;
  }

  async readUsers(userIds: readonly string[]): Promise<(UserRecord | undefined)[]> {
    return userIds.map((userId) => this.users.get(userId)?.value);
  }

  async readSubscriptions(userId: string): Promise<Cell<readonly string[]>> {
    return this.lists.get(userId) ?? ABSENT;
  }

  async subscribersOf(userIds: readonly string[]): Promise<string[][]> {
    return userIds.map((userId) => [...(this.subscribers.get(userId) ?? [])]);
  }

  async readRateWindows(userId: string, operations: readonly OperationClass[]): Promise<Cell<readonly number[]>[]> {
    return operations.map((operation) => this.rateWindows.get(rateKey(userId, operation)) ?? ABSENT);
  }

  async commit(writes: readonly StoreWrite[]): Promise<boolean> {
    if (!writes.every((write) => (this.cellOf(write)?.revision ?? 0) === write.revision)) return false;
    for (const write of writes) this.apply(write);
    return true;
  }

  async readSwitches(): Promise<Partial<AppSwitches>> {
    return { ...this.switches };
  }

  async writeSwitches(switches: AppSwitches): Promise<void> {
    this.switches = { ...switches };
  }

  private cellOf(write: StoreWrite): Stored<unknown> | undefined {
    if (write.kind === "user") return this.users.get(write.userId);
    if (write.kind === "subscriptions") return this.lists.get(write.userId);
    return this.rateWindows.get(rateKey(write.userId, write.operation));
  }

  private apply(write: StoreWrite): void {
    const revision = this.nextRevision++;
    if (write.kind === "user") {
      this.users.set(write.userId, { value: write.value, revision });
    } else if (write.kind === "rate") {
      const key = rateKey(write.userId, write.operation);
      if (write.value.length === 0) this.rateWindows.delete(key);
      else this.rateWindows.set(key, { value: write.value, revision });
    } else {
      this.replaceList(write.userId, write.value, revision);
    }
  }

  private replaceList(subscriber: string, list: readonly string[], revision: number): void {
    const next = new Set(list);
    for (const target of this.lists.get(subscriber)?.value ?? []) {
      if (next.has(target)) continue;
      const reverse = this.subscribers.get(target);
      reverse?.delete(subscriber);
      if (reverse?.size === 0) this.subscribers.delete(target);
    }
    for (const target of list) {
      let reverse = this.subscribers.get(target);
      if (!reverse) this.subscribers.set(target, (reverse = new Set()));
      reverse.add(subscriber);
    }
    if (list.length === 0) this.lists.delete(subscriber);
    else this.lists.set(subscriber, { value: list, revision });
  }
}

function rateKey(userId: string, operation: OperationClass): string {
  return `${operation}\u0000${userId}`;
}
