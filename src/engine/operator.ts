// What an operator does to a running node (the admin API and console call
// these through the engine): change the switches and limits, which are
// stored so every engine sharing the store adopts them, force devices
// offline, and count this node's connections.
import { resolveLimits, type LimitsConfig } from "../protocol/limits.js";
import { withoutUndefined, type AppSwitches } from "./config.js";
import type { EngineNode } from "./node.js";
import { kickConnection } from "./sessions.js";

/** Changes the plan or a switch; applies from the next event on, and resolves once stored. */
export function updateSwitches(node: EngineNode, changes: Partial<AppSwitches>): Promise<void> {
  Object.assign(node.config, withoutUndefined(changes));
  return storeSettings(node);
}

/** Replaces limits and stores them; throws ConfigError on a bad value, changing nothing. */
export function updateLimits(node: EngineNode, changes: Partial<LimitsConfig>): Promise<void> {
  node.config.limits = Object.freeze(resolveLimits({ ...node.config.limits, ...withoutUndefined(changes) }));
  return storeSettings(node);
}

/** Adopts the settings last stored by any engine sharing the store. */
export async function refreshSettings(node: EngineNode): Promise<void> {
  const { limits, ...switches } = await node.state.store.readSettings();
  Object.assign(node.config, withoutUndefined(switches));
  if (limits) node.config.limits = Object.freeze(resolveLimits(limits));
}

/** Stores the settings in force, so every engine sharing the store adopts them; a failure is reported. */
function storeSettings(node: EngineNode): Promise<void> {
  const { plan, featureEnabled, friendAutoNotify, limits } = node.config;
  return node.lanes.run(["settings"], () => node.state.store.writeSettings({ plan, featureEnabled, friendAutoNotify, limits }).catch(node.onError));
}

/**
 * Forces a user's devices offline (every one, or the one named), on this node
 * or, relayed, on the node holding each; resolves with the device ids told to go.
 */
export async function kick(node: EngineNode, userId: string, deviceId?: string): Promise<string[]> {
  const { value: record } = await node.state.store.readUser(userId);
  const targets = (record?.devices ?? []).filter((d) => deviceId === undefined || d.deviceId === deviceId);
  const kicks: Promise<void>[] = [];
  for (const device of targets) {
    if (device.nodeId !== node.nodeId) {
      node.relay(device.nodeId, { outbox: new Map(), replaced: [], kicked: [device.connectionId] });
      continue;
    }
    const connection = node.connections.get(device.connectionId);
    if (connection) kicks.push(node.event(connection, (scope) => kickConnection(node, scope, connection)));
  }
  await Promise.all(kicks);
  return targets.map((device) => device.deviceId);
}

/** This node's connections: open, logged in, and the distinct users they are logged in as. */
export function counts(node: EngineNode): { connections: number; loggedIn: number; onlineUsers: number } {
  const users = new Set<string>();
  let loggedIn = 0;
  for (const { userId } of node.connections.values()) {
    if (userId === undefined) continue;
    loggedIn++;
    users.add(userId);
  }
  return { connections: node.connections.size, loggedIn, onlineUsers: users.size };
}
