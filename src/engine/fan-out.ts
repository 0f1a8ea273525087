// Who is told of a change. Each changed status goes to the user's other
// connections, to the connections of its subscribers (premium plan and
// feature switch on) and of its friends (friend switch on); each receiving
// connection gets one notification per event with each user at most once.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { AppConfig } from "./config.js";
import type { FriendsSource } from "./directory.js";
import type { ConnectionId, PresenceState } from "./state.js";

/** The notifications an event's changes make, by receiving connection; clears the state's pending changes. */
export function collectNotifications(config: AppConfig, state: PresenceState, friends: FriendsSource): Map<ConnectionId, UserStatus[]> {
  const outbox = new Map<ConnectionId, UserStatus[]>();
  if (state.pendingChanges.size === 0) return outbox;
  const subscribersEntitled = config.plan === "premium" && config.featureEnabled;
  const deliver = (connectionId: ConnectionId, status: UserStatus) => {
    const statuses = outbox.get(connectionId);
    if (statuses) statuses.push(status);
    else outbox.set(connectionId, [status]);
  };
  for (const [userId, answered] of state.pendingChanges) {
    const user = state.user(userId);
    if (!user) continue;
    const status = user.snapshot();
    for (const device of user.devices) if (device.connectionId !== answered) deliver(device.connectionId, status);
    const receivers = new Set<string>();
    if (subscribersEntitled) for (const subscriber of state.subscriptions.subscribersOf(userId)) receivers.add(subscriber);
    if (config.friendAutoNotify) for (const friend of friends.friendsOf(userId)) receivers.add(friend);
    receivers.delete(userId);
    for (const receiver of receivers) {
      for (const device of state.user(receiver)?.devices ?? []) deliver(device.connectionId, status);
    }
  }
  state.pendingChanges.clear();
  return outbox;
}
