// Who is told of a change. Each changed status goes to the user's other
// connections, to the connections of its subscribers (premium plan and
// feature switch on) and of its friends (friend switch on); each receiving
// connection gets one notification per event with each user at most once.
// Device records name the node holding each connection, so the node where a
// change happened knows every receiver: its own it serves, the others' it
// relays to their nodes, one message per node. Over an in-memory store the
// receivers come from a RecipientIndex kept up to date as the data changes;
// over a shared store, from two reads per event.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { AppConfig } from "./config.js";
import type { FriendsSource } from "./directory.js";
import { AS_FRIEND, AS_SUBSCRIBER, type RecipientIndex } from "./recipient-index.js";
import type { ConnectionId, DeviceSession, PresenceStore, UserRecord } from "./store.js";
import { statusOf } from "./user-state.js";

/** A user's committed change, and the connection already answered with the new status. */
export interface Change {
  record: UserRecord;
  answered: ConnectionId | undefined;
}

/** Notifications by receiving connection. Connections may share an array: read them, never change them. */
export type Outbox = Map<ConnectionId, UserStatus[]>;

/** The notifications an event's changes make: this node's, and each other node's. */
export interface Notifications {
  local: Outbox;
  remote: Map<string, Outbox>;
}

/**
 * With `recipients`, no read; else two reads at most, none without receivers. `changes` is not
 * empty. Without `local`, this node's connections are left out (a node shutting down has none left
 * to tell).
 */
export async function collectNotifications(
  config: AppConfig,
  store: PresenceStore,
  friends: FriendsSource,
  nodeId: string,
  changes: ReadonlyMap<string, Change>,
  local = true,
  recipients?: RecipientIndex,
): Promise<Notifications> {
  const subscribersEntitled = config.plan === "premium" && config.featureEnabled;
  if (recipients) return fromIndex(recipients, (subscribersEntitled ? AS_SUBSCRIBER : 0) | (config.friendAutoNotify ? AS_FRIEND : 0), store.epoch, nodeId, local, changes);
  const changed = [...changes.values()];
  const [subscribers, friendLists] = await Promise.all([
    subscribersEntitled ? store.subscribersOf(changed.map((c) => c.record.userId)) : [],
    config.friendAutoNotify ? Promise.all(changed.map((c) => friends.friendsOf(c.record.userId))) : [],
  ]);
  const receivers = changed.map(({ record: { userId } }, i) => {
    const set = new Set<string>(subscribers[i]);
    for (const friend of friendLists[i] ?? []) set.add(friend);
    set.delete(userId);
    return set;
  });
  const receiverIds = [...new Set(receivers.flatMap((set) => [...set]))];
  const devicesOf = new Map<string, readonly DeviceSession[]>();
  if (receiverIds.length > 0) await store.readUsers(receiverIds, (record, i) => devicesOf.set(receiverIds[i]!, record?.devices ?? []));

  const collector = new Collector(nodeId, local, changed.length === 1);
  changed.forEach(({ record, answered }, i) => {
    const statuses = [statusOf(record.userId, record, store.epoch)];
    for (const device of record.devices) if (device.connectionId !== answered || device.nodeId !== nodeId) collector.deliver(device, statuses);
    for (const receiver of receivers[i] ?? []) for (const device of devicesOf.get(receiver) ?? []) collector.deliver(device, statuses);
  });
  return collector.notifications;
}

/** The receivers the index holds for each change, where `mask` (AS_SUBSCRIBER, AS_FRIEND) entitles them. */
function fromIndex(recipients: RecipientIndex, mask: number, epoch: bigint, nodeId: string, local: boolean, changes: ReadonlyMap<string, Change>): Notifications {
  const collector = new Collector(nodeId, local, changes.size === 1);
  for (const { record, answered } of changes.values()) {
    const statuses = [statusOf(record.userId, record, epoch)];
    for (const device of record.devices) if (device.connectionId !== answered || device.nodeId !== nodeId) collector.deliver(device, statuses);
    if (mask === 0) continue;
    const groups = recipients.receiversOf(record.userId);
    if (groups) for (let reasons = 1; reasons <= 3; reasons++) if ((reasons & mask) !== 0) for (const device of groups[reasons - 1]!) collector.deliver(device, statuses);
  }
  return collector.notifications;
}

/**
 * Gathers each receiving connection's statuses. The receivers of a change share one array holding
 * its status, and so, downstream, one frame (most events change one user, told to hundreds); a
 * connection that receives a second change of the same event gets an array of its own.
 */
class Collector {
  readonly notifications: Notifications = { local: new Map(), remote: new Map() };
  /** The arrays this collector made for one connection, which it may extend. */
  private readonly owned = new Set<UserStatus[]>();

  /** `oneChange`: each device is met at most once (a change's receivers are distinct), so none is looked up first. */
  constructor(
    private readonly nodeId: string,
    private readonly local: boolean,
    private readonly oneChange: boolean,
  ) {}

  /** `statuses`: the change's own array, holding its one status. */
  deliver(device: DeviceSession, statuses: UserStatus[]): void {
    const { notifications } = this;
    let outbox: Outbox | undefined = notifications.local;
    if (device.nodeId !== this.nodeId) {
      outbox = notifications.remote.get(device.nodeId);
      if (outbox === undefined) notifications.remote.set(device.nodeId, (outbox = new Map()));
    } else if (!this.local) return;
    const held = this.oneChange ? undefined : outbox.get(device.connectionId);
    if (held === undefined) outbox.set(device.connectionId, statuses);
    else if (this.owned.has(held)) held.push(statuses[0]!);
    else {
      const own = [...held, statuses[0]!];
      this.owned.add(own);
      outbox.set(device.connectionId, own);
    }
  }
}
