// Who receives a user's changes, kept up to date as the data changes instead
// of computed for every change: for each watched user, the device sessions of
// its subscribers and of its friends, each marked with why it receives. It
// follows every write of an in-memory store (devices, subscription lists:
// subscribe, unsubscribe, eviction, retention) and every change of in-memory
// friends, so a change's receivers are one walk of three arrays. A store shared
// by nodes (Redis) is changed by other nodes unseen: its fan-out reads instead.
//
// Arrays, not a map per watched user: a map's entry costs ~4 times an array's
// slot, and this index holds one per subscription. The price is a scan of the
// watched user's receivers when one of them comes or goes (a login, a
// subscription), not when a change is told.
import type { DeviceSession, StoreWrite } from "./store.js";

/** Why a device receives a watched user's changes: bits of a mask. */
export const AS_SUBSCRIBER = 1;
export const AS_FRIEND = 2;

/** A store that tells of its data, then of every write (InMemoryPresenceStore). */
export interface ObservableStore {
  observe(listener: (write: StoreWrite) => void): () => void;
}

/** Friends that tell of every friendship, then of every change (InMemoryFriends). */
export interface ObservableFriends {
  friendsOf(userId: string): Iterable<string>;
  observe(listener: (a: string, b: string, friends: boolean) => void): () => void;
}

/** An index over `store` and `friends` when both can be observed (the in-memory ones), else undefined. */
export function recipientIndexFor(store: object, friends: object): RecipientIndex | undefined {
  const observable = (source: object) => typeof (source as { observe?: unknown }).observe === "function";
  return observable(store) && observable(friends) ? new RecipientIndex(store as ObservableStore, friends as ObservableFriends) : undefined;
}

const NO_DEVICES: readonly DeviceSession[] = [];
const NO_LIST: readonly string[] = [];

/** A watched user's receiving devices by why they receive: at `reasons - 1` those whose reasons are `reasons` (1, 2 or 3). */
export type ReceiverGroups = readonly [readonly DeviceSession[], readonly DeviceSession[], readonly DeviceSession[]];
type Groups = [DeviceSession[], DeviceSession[], DeviceSession[]];

export class RecipientIndex {
  /** Watched user → its receiving devices, grouped by AS_SUBSCRIBER | AS_FRIEND. */
  private readonly byWatched = new Map<string, Groups>();
  private readonly devices = new Map<string, readonly DeviceSession[]>();
  private readonly lists = new Map<string, readonly string[]>();
  private readonly stop: () => void;

  constructor(
    store: ObservableStore,
    private readonly friends: ObservableFriends,
  ) {
    const stopStore = store.observe((write) => {
      if (write.kind === "user") this.devicesChanged(write.userId, write.value.devices);
      else if (write.kind === "subscriptions") this.listChanged(write.userId, write.value);
    });
    const stopFriends = friends.observe((a, b, friends) => {
      this.mark(a, this.devices.get(b) ?? NO_DEVICES, AS_FRIEND, friends);
      this.mark(b, this.devices.get(a) ?? NO_DEVICES, AS_FRIEND, friends);
    });
    this.stop = () => {
      stopStore();
      stopFriends();
    };
  }

  /** Stops following the store and the friends and lets go of what it holds: for a node that shuts down. */
  close(): void {
    this.stop();
    this.byWatched.clear();
    this.devices.clear();
    this.lists.clear();
  }

  /** The devices that receive `userId`'s changes, grouped by why; undefined when none. Do not change it. */
  receiversOf(userId: string): ReceiverGroups | undefined {
    return this.byWatched.get(userId);
  }

  private devicesChanged(userId: string, next: readonly DeviceSession[]): void {
    const previous = this.devices.get(userId) ?? NO_DEVICES;
    // Most writes (a custom status, a version) keep the device sessions: nothing to move.
    if (sameDevices(previous, next)) return;
    if (next.length === 0) this.devices.delete(userId);
    else this.devices.set(userId, next);
    for (const target of this.lists.get(userId) ?? NO_LIST) this.move(target, previous, next, AS_SUBSCRIBER);
    for (const friend of this.friends.friendsOf(userId)) this.move(friend, previous, next, AS_FRIEND);
  }

  private listChanged(subscriber: string, next: readonly string[]): void {
    const previous = this.lists.get(subscriber) ?? NO_LIST;
    if (next.length === 0) this.lists.delete(subscriber);
    else this.lists.set(subscriber, next);
    const devices = this.devices.get(subscriber) ?? NO_DEVICES;
    const kept = new Set(next);
    for (const target of previous) if (!kept.has(target)) this.mark(target, devices, AS_SUBSCRIBER, false);
    for (const target of next) if (target !== subscriber) this.mark(target, devices, AS_SUBSCRIBER, true);
  }

  private move(watched: string, previous: readonly DeviceSession[], next: readonly DeviceSession[], why: number): void {
    this.mark(watched, previous, why, false);
    this.mark(watched, next, why, true);
  }

  /** Sets (or clears) `why` for each of `devices` as receivers of `watched`. */
  private mark(watched: string, devices: readonly DeviceSession[], why: number, on: boolean): void {
    if (devices.length === 0) return;
    let groups = this.byWatched.get(watched);
    if (!groups) {
      if (!on) return;
      this.byWatched.set(watched, (groups = [[], [], []]));
    }
    for (const device of devices) {
      let reasons = 0;
      let at = -1;
      while (at < 0 && reasons < 3) at = groups[reasons++]!.indexOf(device);
      if (at < 0) reasons = 0;
      const next = on ? reasons | why : reasons & ~why;
      if (next === reasons) continue;
      if (reasons !== 0) removeAt(groups[reasons - 1]!, at);
      if (next !== 0) groups[next - 1]!.push(device);
    }
    if (groups[0].length + groups[1].length + groups[2].length === 0) this.byWatched.delete(watched);
  }
}

/** Removes the element at `at`, the last one taking its place: the order of receivers means nothing. */
function removeAt(devices: DeviceSession[], at: number): void {
  const last = devices.pop()!;
  if (at < devices.length) devices[at] = last;
}

function sameDevices(a: readonly DeviceSession[], b: readonly DeviceSession[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
