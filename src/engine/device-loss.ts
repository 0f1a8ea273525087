// A user's devices leaving this node's records, and what follows the last
// one: the user goes OFFLINE (UNLOGINED after a logout) and the subscription
// list is kept for `subscriptionRetentionMs`, then cleared by a retention
// timer (the deadline itself is in the store, for a node that dies first).
import { StatusChangeReason } from "../../generated/ts-proto/presence/v1/status.js";
import type { EventScope } from "./effects.js";
import { nowMs, userLane, type Connection, type EngineNode } from "./node.js";
import type { UserState } from "./user-state.js";

/** Removes the connection's device: one change, and OFFLINE or UNLOGINED with the retention deadline when it was the last. */
export async function loseDevice(node: EngineNode, scope: EventScope, connection: Connection, lossReason: StatusChangeReason): Promise<void> {
  const userId = connection.userId;
  if (userId === undefined) return;
  await removeDevices(node, scope, userId, lossReason, (user) => user.removeConnection(node.nodeId, connection.id, lossReason));
}

/** One change removing the devices `remove` takes from the user's record; nothing when it takes none. */
export async function removeDevices(node: EngineNode, scope: EventScope, userId: string, lossReason: StatusChangeReason, remove: (user: UserState) => boolean): Promise<void> {
  const now = nowMs(node);
  const { record } = await node.state.changeUser(userId, (user) => {
    if (!remove(user)) return { write: false, result: undefined };
    user.bump(lossReason, now);
    if (user.devices.length === 0) user.retainUntilMs = now + node.config.limits.subscriptionRetentionMs;
    return { write: true, result: undefined };
  });
  if (!record) return;
  scope.changes.set(userId, { record, answered: undefined });
  // A node shutting down runs no more timers: the deadline stays in the store for the nodes that outlive it.
  if (record.devices.length === 0 && !node.closing) scheduleRetention(node, userId);
}

/**
 * Removes the devices of all these connections, lost together (the node shuts down): one change
 * per user, each committed on its own so one failure (reported) leaves the others' changes to
 * notify. Returns the users whose removal failed: their devices are still in the store.
 */
export async function loseAll(node: EngineNode, scope: EventScope, connections: Iterable<Connection>): Promise<string[]> {
  const byUser = new Map<string, Set<string>>();
  for (const { userId, id } of connections) {
    if (userId === undefined) continue;
    const ids = byUser.get(userId);
    if (ids) ids.add(id);
    else byUser.set(userId, new Set([id]));
  }
  const reason = StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED;
  const failed: string[] = [];
  const removals = [...byUser].map(([userId, ids]) =>
    removeDevices(node, scope, userId, reason, (user) => user.removeDevices((d) => d.nodeId === node.nodeId && ids.has(d.connectionId), reason)).catch((error: unknown) => {
      failed.push(userId);
      node.onError(error);
    }),
  );
  await Promise.all(removals);
  return failed;
}

/** Clears a subscriber's list if its retention deadline (kept in the store) has passed. */
export function expireRetention(node: EngineNode, userId: string): Promise<void> {
  return node.event(undefined, async () => void (await node.state.expireRetention(userId, nowMs(node))), [userLane(userId)]);
}

/** Clears a subscriber's list once it has been gone for `subscriptionRetentionMs`. */
function scheduleRetention(node: EngineNode, userId: string): void {
  cancelRetention(node, userId);
  const handle = node.timers.schedule(node.config.limits.subscriptionRetentionMs, () => {
    node.retentionTimers.delete(userId);
    void expireRetention(node, userId);
  });
  node.retentionTimers.set(userId, handle);
}

/** The user is back: the list stays. */
export function cancelRetention(node: EngineNode, userId: string): void {
  const handle = node.retentionTimers.get(userId);
  if (handle === undefined) return;
  node.timers.cancel(handle);
  node.retentionTimers.delete(userId);
}
