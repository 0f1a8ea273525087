// The friends' statuses a login answer carries while friend auto-notification
// is on (LoginResponse.friend_statuses): without them a client would learn a
// friend's status only at that friend's next change.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { AppConfig } from "./config.js";
import type { FriendsSource } from "./directory.js";
import type { PresenceStore } from "./store.js";
import { statusOf } from "./user-state.js";

/**
 * The statuses of `userId`'s friends who ever logged in: one read, ONLINE first, then OFFLINE, then
 * UNLOGINED (the enum's numbers are in that order), cut at `max_query_users` so the answer fits in a frame
 * wherever a query answer does. Empty while the switch is off.
 */
export async function friendStatuses(config: AppConfig, store: PresenceStore, friends: FriendsSource, userId: string): Promise<UserStatus[]> {
  if (!config.friendAutoNotify) return [];
  const ids = [...new Set(await friends.friendsOf(userId))].filter((id) => id !== userId);
  if (ids.length === 0) return [];
  const statuses: UserStatus[] = [];
  await store.readUsers(ids, (record, i) => {
    if (record && record.version > 0n) statuses.push(statusOf(ids[i]!, record, store.epoch));
  });
  // Array#sort is stable: each group keeps the friend-list order.
  return statuses.sort((a, b) => a.statusType - b.statusType).slice(0, config.limits.maxQueryUsers);
}
