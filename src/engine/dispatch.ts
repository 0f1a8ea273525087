// One received frame through the protocol's checks to its rule: ignored or
// refused as src/protocol classifies it, then the session check (logged in?),
// the request's field checks, the gate of the gated operations, and the
// session rule or operation that answers it.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { operationClassOf } from "../protocol/requests.js";
import { classifyFrame, validateRequestFields } from "../protocol/validate.js";
import type { EventScope } from "./effects.js";
import { nowMs, type Connection, type EngineNode } from "./node.js";
import * as operations from "./operations.js";
import { answer, login, logout, pong, refuse } from "./sessions.js";

export async function dispatch(node: EngineNode, scope: EventScope, connection: Connection, frame: Frame): Promise<void> {
  const disposition = classifyFrame(frame);
  if (disposition.kind === "ignore") return;
  const { requestId } = frame;
  if (disposition.kind === "refuse") {
    const { error } = disposition;
    return refuse(node, scope, connection, requestId, disposition.context, error.code, error.detail);
  }
  const request = disposition.request;
  const limits = node.config.limits;
  if (request.$case === "loginRequest") {
    if (connection.userId !== undefined) {
      return refuse(node, scope, connection, requestId, "login", ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN, "already logged in");
    }
    const invalid = validateRequestFields(request, { limits });
    if (invalid) return refuse(node, scope, connection, requestId, "login", invalid.code, invalid.detail);
    scope.answers(connection.id, requestId);
    return login(node, scope, connection, requestId, request.value);
  }
  const userId = connection.userId;
  if (userId === undefined) return refuse(node, scope, connection, requestId, "request", ErrorCode.ERROR_CODE_NOT_LOGGED_IN, `${request.$case} before login`);
  const invalid = validateRequestFields(request, { userId, limits });
  if (invalid) return refuse(node, scope, connection, requestId, "request", invalid.code, invalid.detail);
  scope.answers(connection.id, requestId);
  const context: operations.OperationContext = { config: node.config, state: node.state, nowMs: nowMs(node), changes: scope.changes };
  const operation = operationClassOf(request, userId);
  // A query only reads: its read goes out with the rate limit's count, one round trip for both; a
  // refusal discards it.
  const query = request.$case === "getUserStatusRequest" ? operations.getUserStatus(context, request.value) : undefined;
  query?.catch(() => undefined);
  const refusal = operation && (await operations.gate(context, userId, operation));
  if (refusal) return refuse(node, scope, connection, requestId, "request", refusal.code, refusal.message, refusal.retryAfterMs);
  switch (request.$case) {
    case "ping":
      return pong(node, scope, connection, requestId, request.value);
    case "logoutRequest":
      return logout(node, scope, connection, requestId);
    case "setSelfStatusRequest":
      return answer(node, scope, connection, requestId, await operations.setSelfStatus(context, connection.id, userId, request.value));
    case "getUserStatusRequest":
      return answer(node, scope, connection, requestId, await query!);
    case "subscribeUserStatusRequest":
      return answer(node, scope, connection, requestId, await operations.subscribe(context, userId, request.value));
    case "unsubscribeUserStatusRequest":
      return answer(node, scope, connection, requestId, await operations.unsubscribe(context, userId, request.value));
  }
}
