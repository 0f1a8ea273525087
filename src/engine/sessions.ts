// Sessions on this node: the login (device registered, replaced device told,
// friends' statuses in the answer), the heartbeat check, the logout, and the
// ways the engine ends a connection (a refusal that closes, a kick, a
// replacement), each with the change its device's loss makes.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { LoginRequest, Ping } from "../../generated/ts-proto/presence/v1/session.js";
import { StatusChangeReason } from "../../generated/ts-proto/presence/v1/status.js";
import { closesConnection, errorFrame, type ErrorContext } from "../protocol/error-handling.js";
import { cancelRetention, loseDevice } from "./device-loss.js";
import type { EventScope } from "./effects.js";
import { friendStatuses } from "./friend-statuses.js";
import { nowMs, send, type Connection, type EngineNode } from "./node.js";
import type { Answer } from "./operations.js";
import { statusOf, type UserState } from "./user-state.js";

/** A connection opened: it must log in within `loginTimeoutMs`. */
export function openConnection(node: EngineNode, connection: Connection): void {
  connection.timer = node.timers.schedule(node.config.limits.loginTimeoutMs, () =>
    node.event(connection, async (scope) => {
      if (connection.userId !== undefined) return;
      await refuse(node, scope, connection, 0, "connection", ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, "no login in time");
    }),
  );
  node.connections.set(connection.id, connection);
}

export async function login(node: EngineNode, scope: EventScope, connection: Connection, requestId: number, request: LoginRequest): Promise<void> {
  const now = nowMs(node);
  const refused = node.authenticate(request.userId, request.token, now);
  if (refused !== undefined) return refuse(node, scope, connection, requestId, "login", refused, "login refused");

  const { result, record } = await node.state.changeUser(request.userId, (user) => {
    const deviceId = request.deviceId || freshDeviceId(node, user);
    const replaced = user.addDevice({ deviceId, platform: request.platform, nodeId: node.nodeId, connectionId: connection.id });
    user.retainUntilMs = undefined;
    user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, now);
    return { write: true, result: { deviceId, replaced } };
  });
  const { deviceId, replaced } = result;
  if (replaced && replaced.nodeId !== node.nodeId) node.relay(replaced.nodeId, { outbox: new Map(), replaced: [replaced.connectionId], kicked: [] });
  const replacedConnection = replaced?.nodeId === node.nodeId ? node.connections.get(replaced.connectionId) : undefined;
  if (replacedConnection) replace(node, scope, replacedConnection);
  connection.userId = request.userId;
  connection.device = { deviceId, platform: request.platform };
  cancelRetention(node, request.userId);
  if (record) scope.changes.set(request.userId, { record, answered: connection.id });

  const limits = node.config.limits;
  node.timers.cancel(connection.timer ?? -1);
  scheduleHeartbeatCheck(node, connection, limits.heartbeatTimeoutMs);
  const friends = await friendStatuses(node.config, node.state.store, node.friends, request.userId);
  send(scope, connection.id, requestId, {
    $case: "loginResponse",
    value: { limits: { ...limits }, serverTimeMs: BigInt(now), selfStatus: statusOf(request.userId, record, node.state.store.epoch), deviceId, friendStatuses: friends },
  });
}

/** The device leaves first, so a store failure is answered and the client can log out again. */
export async function logout(node: EngineNode, scope: EventScope, connection: Connection, requestId: number): Promise<void> {
  await loseDevice(node, scope, connection, StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT);
  send(scope, connection.id, requestId, { $case: "logoutResponse", value: {} });
  close(node, scope, connection, ErrorCode.ERROR_CODE_UNSPECIFIED);
}

export function pong(node: EngineNode, scope: EventScope, connection: Connection, requestId: number, ping: Ping): void {
  send(scope, connection.id, requestId, { $case: "pong", value: { clientTimeMs: ping.clientTimeMs, serverTimeMs: BigInt(nowMs(node)) } });
}

/**
 * Checks silence lazily: frames only stamp `lastReceivedMs`, so no timer churn per frame. `timeout` is
 * the one announced at login: a later change of the limit does not reach this connection.
 */
function scheduleHeartbeatCheck(node: EngineNode, connection: Connection, timeout: number, delayMs = timeout): void {
  connection.timer = node.timers.schedule(delayMs, () =>
    node.event(connection, async (scope) => {
      const silentMs = nowMs(node) - connection.lastReceivedMs;
      if (silentMs < timeout) return scheduleHeartbeatCheck(node, connection, timeout, timeout - silentMs);
      const message = `nothing received for ${silentMs} ms`;
      const reason = StatusChangeReason.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT;
      await refuse(node, scope, connection, 0, "connection", ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT, message, 0, reason);
    }),
  );
}

/**
 * Sends an Error (request id 0 in the connection context), then closes the
 * connection where the spec's handling of the code in that context says so.
 */
export async function refuse(
  node: EngineNode,
  scope: EventScope,
  connection: Connection,
  requestId: number,
  context: ErrorContext,
  code: ErrorCode,
  message: string,
  retryAfterMs = 0,
  lossReason = StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED,
): Promise<void> {
  scope.send(connection.id, errorFrame(context === "connection" ? 0 : requestId, code, message, retryAfterMs));
  if (!closesConnection(code, context)) return;
  close(node, scope, connection, code);
  await loseDevice(node, scope, connection, lossReason);
}

/** Sends a response body, or the refusal an operation answered with. */
export function answer(node: EngineNode, scope: EventScope, connection: Connection, requestId: number, answer: Answer): Promise<void> | void {
  if ("body" in answer) return send(scope, connection.id, requestId, answer.body);
  const { code, message, retryAfterMs } = answer.refusal;
  return refuse(node, scope, connection, requestId, "request", code, message, retryAfterMs);
}

export function kickConnection(node: EngineNode, scope: EventScope, connection: Connection): Promise<void> {
  const reason = StatusChangeReason.STATUS_CHANGE_REASON_KICKED;
  return refuse(node, scope, connection, 0, "connection", ErrorCode.ERROR_CODE_KICKED, "an operator forced this device offline", 0, reason);
}

/** The connection's device logged in on another connection, which now holds it: closing this one removes no device. */
export function replace(node: EngineNode, scope: EventScope, connection: Connection): void {
  const message = `device ${connection.device?.deviceId ?? ""} logged in on another connection`;
  scope.send(connection.id, errorFrame(0, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN, message));
  close(node, scope, connection, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN);
}

/** Closes a connection on this node; its device, if any, is the caller's to remove. */
function close(node: EngineNode, scope: EventScope, connection: Connection, code: ErrorCode): void {
  scope.close(connection.id, code);
  forget(node, connection);
}

/** The node no longer holds the connection: its timer stops and its queued events do nothing. */
export function forget(node: EngineNode, connection: Connection): void {
  connection.closed = true;
  node.timers.cancel(connection.timer ?? -1);
  node.connections.delete(connection.id);
}

/** A device id for a login that sent none: unique among the user's devices. */
function freshDeviceId(node: EngineNode, user: UserState): string {
  let deviceId: string;
  do deviceId = `auto-${node.nextDeviceNumber++}`;
  while (user.devices.some((d) => d.deviceId === deviceId));
  return deviceId;
}
