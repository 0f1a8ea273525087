// Who is told of a change. Each changed status goes to the user's other
// connections, to the connections of its subscribers (premium plan and
// feature switch on) and of its friends (friend switch on); each receiving
// connection gets one notification per event with each user at most once.
// Only connections this node holds are served here; another node's are its own.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { AppConfig } from "./config.js";
import type { FriendsSource } from "./directory.js";
import type { ConnectionId, DeviceSession, PresenceStore, UserRecord } from "./store.js";
import { statusOf } from "./user-state.js";

/** A user's committed change, and the connection already answered with the new status. */
export interface Change {
  record: UserRecord;
  answered: ConnectionId | undefined;
}

/** The notifications an event's changes make, by receiving connection: two reads at most, none without receivers; `changes` is not empty. */
export async function collectNotifications(
  config: AppConfig,
  store: PresenceStore,
  friends: FriendsSource,
  nodeId: string,
  changes: ReadonlyMap<string, Change>,
): Promise<Map<ConnectionId, UserStatus[]>> {
  const outbox = new Map<ConnectionId, UserStatus[]>();
  const changed = [...changes.values()];
  const subscribersEntitled = config.plan === "premium" && config.featureEnabled;
  const subscribers = subscribersEntitled ? await store.subscribersOf(changed.map((c) => c.record.userId)) : [];
  const receivers = changed.map(({ record: { userId } }, i) => {
    const set = new Set<string>(subscribers[i]);
    if (config.friendAutoNotify) for (const friend of friends.friendsOf(userId)) set.add(friend);
    set.delete(userId);
    return set;
  });
  const receiverIds = [...new Set(receivers.flatMap((set) => [...set]))];
  const devicesOf = new Map<string, readonly DeviceSession[]>();
  if (receiverIds.length > 0) await store.readUsers(receiverIds, (record, i) => devicesOf.set(receiverIds[i]!, record?.devices ?? []));

  const deliver = (connectionId: ConnectionId, status: UserStatus) => {
    const statuses = outbox.get(connectionId);
    if (statuses) statuses.push(status);
    else outbox.set(connectionId, [status]);
  };
  changed.forEach(({ record, answered }, i) => {
    const status = statusOf(record.userId, record);
    for (const device of record.devices) if (device.nodeId === nodeId && device.connectionId !== answered) deliver(device.connectionId, status);
    for (const receiver of receivers[i] ?? []) {
      for (const device of devicesOf.get(receiver) ?? []) if (device.nodeId === nodeId) deliver(device.connectionId, status);
    }
  });
  return outbox;
}
