// What a node sharing its store with others is told (src/cluster calls these
// through the engine): what another node relayed for this node's connections,
// the devices of a node found dead, losses whose transition failed while the
// store was unreachable, and the resynchronization after an interrupted link.
import { StatusChangeReason, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { removeDevices } from "./device-loss.js";
import { EventScope } from "./effects.js";
import { laneNames, notify, nowMs, userLane, type Connection, type EngineNode, type Relayed } from "./node.js";
import { kickConnection, replace } from "./sessions.js";
import type { DeviceSession } from "./store.js";

/** What another node relayed for connections of this one; resolves once handed to the sink. */
export function deliverRelayed(node: EngineNode, { outbox, replaced, kicked }: Relayed): Promise<void> {
  const delivered: Promise<void>[] = [];
  const direct = new EventScope();
  for (const [connectionId, statuses] of outbox) {
    const connection = node.connections.get(connectionId);
    // A login still running has already put its device in the store, where the sender found it.
    if (connection === undefined || (connection.userId === undefined && connection.laneUser === undefined)) continue;
    // Behind the connection's earlier events, so a notification never overtakes its login's answer;
    // with none pending it goes at once (most do: a relayed batch costs no event per connection).
    if (connection.userId !== undefined && node.lanes.free(laneNames(connection))) notify(node, direct, new Map([[connectionId, statuses]]));
    else delivered.push(node.event(connection, async (scope) => void (connection.userId !== undefined && notify(node, scope, new Map([[connectionId, statuses]])))));
  }
  node.delivery.deliver(direct.effects);
  for (const connectionId of replaced) {
    const connection = node.connections.get(connectionId);
    if (connection?.userId !== undefined) delivered.push(node.event(connection, async (scope) => replace(node, scope, connection)));
  }
  for (const connectionId of kicked) {
    const connection = node.connections.get(connectionId);
    if (connection?.userId !== undefined) delivered.push(node.event(connection, (scope) => kickConnection(node, scope, connection)));
  }
  return Promise.all(delivered).then(() => undefined);
}

/**
 * Removes the devices a dead node held for these users: one change each
 * (reason NODE_LOST), notified like any other. Users whose devices are
 * elsewhere, or already gone, are left as they are, so running it twice
 * changes nothing.
 */
export function evictNode(node: EngineNode, deadNodeId: string, userIds: Iterable<string>): Promise<void> {
  return removeEach(node, userIds, StatusChangeReason.STATUS_CHANGE_REASON_NODE_LOST, (device) => device.nodeId === deadNodeId);
}

/**
 * Removes the devices the store still lists on this node for these users
 * whose connections this node no longer holds: losses whose transition
 * failed while the store was unreachable (reason CONNECTION_CLOSED).
 */
export function releaseLost(node: EngineNode, userIds: Iterable<string>): Promise<void> {
  const gone = (device: DeviceSession) => device.nodeId === node.nodeId && node.connections.get(device.connectionId)?.userId === undefined;
  return removeEach(node, userIds, StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED, gone);
}

/** One event per user, in the user's lane, removing the devices `match` picks. */
function removeEach(node: EngineNode, userIds: Iterable<string>, reason: StatusChangeReason, match: (device: DeviceSession) => boolean): Promise<void> {
  const removals = [...userIds].map((userId) =>
    node.event(undefined, (scope) => removeDevices(node, scope, userId, reason, (user) => user.removeDevices(match, reason)), [userLane(userId)]),
  );
  return Promise.all(removals).then(() => undefined);
}

/**
 * After this node's link to the shared store was interrupted: registers
 * again every device whose record lost it (the store restarted, or another
 * node took this one for dead), and pushes each connection the statuses it
 * is entitled to that changed since this node last delivered them, since
 * notifications published meanwhile are lost. A store that started afresh
 * (another epoch) makes every status new.
 */
export function resynchronize(node: EngineNode, epochChanged: boolean): Promise<void> {
  if (epochChanged) node.delivered.clear();
  const byUser = new Map<string, Connection[]>();
  for (const connection of node.connections.values()) {
    if (connection.userId === undefined) continue;
    const list = byUser.get(connection.userId);
    if (list) list.push(connection);
    else byUser.set(connection.userId, [connection]);
  }
  const registrations = [...byUser].map(([userId, connections]) =>
    node.event(undefined, (scope) => register(node, scope, userId, connections), [userLane(userId)]),
  );
  return Promise.all(registrations)
    .then(() => Promise.all([...byUser.values()].flat().map((connection) => node.event(connection, (scope) => catchUp(node, scope, connection)))))
    .then(() => undefined);
}

/** Adds back the devices of these connections that the user's record lacks: one change (LOGIN) if any. */
async function register(node: EngineNode, scope: EventScope, userId: string, connections: Connection[]): Promise<void> {
  const now = nowMs(node);
  const { result: replaced, record } = await node.state.changeUser(userId, (user) => {
    const replaced: Connection[] = [];
    let added = false;
    for (const connection of connections) {
      const { deviceId, platform } = connection.device!;
      const held = user.devices.find((d) => d.deviceId === deviceId);
      if (held?.nodeId === node.nodeId && held.connectionId === connection.id) continue;
      // Another connection logged in with this device meanwhile: it is the latest login, this one was replaced.
      if (held) replaced.push(connection);
      else {
        user.addDevice({ deviceId, platform, nodeId: node.nodeId, connectionId: connection.id });
        added = true;
      }
    }
    if (!added) return { write: false, result: replaced };
    user.retainUntilMs = undefined;
    user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, now);
    return { write: true, result: replaced };
  });
  for (const connection of replaced) replace(node, scope, connection);
  if (record) scope.changes.set(userId, { record, answered: undefined });
}

/** Pushes the connection the statuses it is entitled to whose version this node has not delivered. */
async function catchUp(node: EngineNode, scope: EventScope, connection: Connection): Promise<void> {
  const userId = connection.userId;
  if (userId === undefined) return;
  const { config, state } = node;
  const entitled = new Set<string>([userId]);
  if (config.plan === "premium" && config.featureEnabled) for (const target of (await state.store.readSubscriptions(userId)).value ?? []) entitled.add(target);
  if (config.friendAutoNotify) for (const friend of await node.friends.friendsOf(userId)) entitled.add(friend);
  const statuses = (await state.statuses([...entitled])).filter((status): status is UserStatus => status !== undefined && status.version !== node.delivered.get(status.userId));
  if (statuses.length > 0) notify(node, scope, new Map([[connection.id, statuses]]));
}
