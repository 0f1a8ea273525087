// What a client does after its connection ends: reconnect with backoff, log in
// again and re-subscribe, or stop where the error is final. Which codes are
// which comes from the spec's own table (errors.proto error_handling).
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import { ERROR_HANDLING, type ErrorHandling } from "../../../protocol/error-handling.js";
import { CheckFailure, check } from "../../errors.js";
import type { ClientCase, ClientCaseFamily } from "../case.js";
import type { ScriptedConnection } from "../scripted-server.js";

const RECONNECT_WITHIN_MS = 10_000;
/** How long the kit watches for a reconnect that must not come. */
const STOP_WATCH_MS = 1500;
const BACKOFF_WATCH_MS = 3000;
/** More attempts than this in BACKOFF_WATCH_MS is a tight loop, not a backoff. */
const MAX_ATTEMPTS = 8;

function connectionError(connection: ScriptedConnection, code: ErrorCode, closeCode: number): void {
  connection.send({ requestId: 0, body: { $case: "error", value: { code, message: "conformance", retryAfterMs: 0 } } });
  connection.close(closeCode);
}

/** Every (code, context) pair of the spec's table with the given client action. */
/** ERROR_CODE_HEARTBEAT_TIMEOUT -> heartbeat-timeout: short case ids. */
function shortName(code: ErrorCode): string {
  return (ErrorCode[code] ?? String(code)).replace(/^ERROR_CODE_/, "").toLowerCase().replaceAll("_", "-");
}

function handlingsWith(action: ErrorHandling["clientAction"], contexts: ErrorHandling["context"][]): [ErrorCode, ErrorHandling][] {
  return Object.entries(ERROR_HANDLING).flatMap(([code, handlings]) =>
    handlings.filter((h) => h.clientAction === action && contexts.includes(h.context)).map((h): [ErrorCode, ErrorHandling] => [Number(code) as ErrorCode, h]),
  );
}

function reconnectCase([code, handling]: [ErrorCode, ErrorHandling]): ClientCase {
  return {
    id: `client.reconnects-after-${shortName(code)}`,
    title: `After a connection error ${code} (closed with ${handling.websocketCloseCode}) the client reconnects and logs in again`,
    rule: `errors.proto ${ErrorCode[code]} (connection: client reconnect); docs/protocol.md §6`,
    async run(ctx) {
      const connection = await ctx.login();
      connectionError(connection, code, handling.websocketCloseCode);
      await ctx.acceptLogin(await ctx.server.nextConnection(RECONNECT_WITHIN_MS, "reconnection"));
    },
  };
}

function stopCase([code, handling]: [ErrorCode, ErrorHandling]): ClientCase {
  const atLogin = handling.context === "login";
  return {
    id: `client.stops-after-${shortName(code)}${atLogin ? "-at-login" : ""}`,
    title: `After ${code} ${atLogin ? "in answer to its login" : "as a connection error"} the client does not reconnect (${handling.clientAction}${handling.clientAction === "new-token" ? ": the driver has no other token" : ""})`,
    rule: `errors.proto ${ErrorCode[code]} (${handling.context}: client ${handling.clientAction}); docs/protocol.md §6`,
    async run(ctx) {
      if (!atLogin) {
        const connection = await ctx.login();
        connectionError(connection, code, handling.websocketCloseCode);
        await ctx.expectNoReconnect(STOP_WATCH_MS, `${ErrorCode[code]} is final`);
        return;
      }
      const id = ctx.driver.send({ command: "login", url: ctx.server.url, userId: ctx.userId, token: ctx.token, deviceId: ctx.deviceId });
      const connection = await ctx.server.nextConnection(ctx.firstConnectionTimeoutMs);
      const login = await ctx.expectLoginRequest(connection);
      connection.send({ requestId: login.requestId, body: { $case: "error", value: { code, message: "conformance", retryAfterMs: 0 } } });
      if (handling.closesConnection) connection.close(handling.websocketCloseCode);
      const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
      if (result.ok || result.code !== code) throw new CheckFailure(`the login command should fail with ${code}, got ${JSON.stringify(result)}`);
      await ctx.expectNoReconnect(STOP_WATCH_MS, `${ErrorCode[code]} at login is final for a client with a fixed token`);
    },
  };
}

export const reconnect: ClientCaseFamily = {
  name: "client-reconnect",
  cases: [
    {
      id: "client.resubscribes-after-reconnect",
      title: "After the server goes away (72113) the client reconnects with the same device id, logs in and re-subscribes to its users",
      rule: "docs/protocol.md §3.6 and §6 (reconnect: reconnect with backoff, log in again, re-subscribe); session.proto LoginRequest.device_id",
      async run(ctx) {
        const connection = await ctx.login();
        const wanted = ["conformance-bob", "conformance-carol"];
        const id = ctx.driver.send({ command: "subscribe", userIds: wanted });
        const subscribe = await connection.nextRequest(ctx.answerTimeoutMs, "subscribe request");
        if (subscribe.body?.$case !== "subscribeUserStatusRequest") throw new CheckFailure(`expected a subscribe request, got ${subscribe.body?.$case}`);
        connection.send({ requestId: subscribe.requestId, body: { $case: "subscribeUserStatusResponse", value: { statuses: wanted.map((u) => ctx.status(u, 1n)), evictedUserIds: [], errors: [] } } });
        const result = await ctx.driver.result(id, ctx.answerTimeoutMs);
        check(result.ok, `the subscribe command failed: ${JSON.stringify(result)}`);

        connectionError(connection, ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN, 1001);
        const again = await ctx.acceptLogin(await ctx.server.nextConnection(RECONNECT_WITHIN_MS, "reconnection"));
        const resubscribed = new Set<string>();
        while (!wanted.every((u) => resubscribed.has(u))) {
          const request = await again.nextRequest(ctx.answerTimeoutMs, `re-subscription of ${wanted.filter((u) => !resubscribed.has(u)).join(", ")}`);
          if (request.body?.$case !== "subscribeUserStatusRequest") continue;
          for (const u of request.body.value.userIds) resubscribed.add(u);
          again.send({ requestId: request.requestId, body: { $case: "subscribeUserStatusResponse", value: { statuses: request.body.value.userIds.map((u) => ctx.status(u, 2n)), evictedUserIds: [], errors: [] } } });
        }
      },
    },
    {
      id: "client.reconnect-backs-off",
      title: "A client whose reconnections keep failing retries with backoff, not in a tight loop",
      rule: "docs/protocol.md §3.6 (clients reconnect with jittered exponential backoff) and §6 (reconnect: with backoff)",
      async run(ctx) {
        const connection = await ctx.login();
        ctx.server.onConnection = (next) => next.terminate();
        ctx.log.event("kit", "from now on the server drops every new connection at once");
        connection.terminate();
        await ctx.server.nextConnection(RECONNECT_WITHIN_MS, "reconnection attempt");
        await ctx.sleep(BACKOFF_WATCH_MS, "counting reconnection attempts");
        const attempts = ctx.server.connections.length - 1;
        check(attempts <= MAX_ATTEMPTS, `${attempts} connection attempts in about ${BACKOFF_WATCH_MS} ms: that is a tight loop, not a backoff`);
      },
    },
    ...handlingsWith("reconnect", ["connection"]).map(reconnectCase),
    ...handlingsWith("stop", ["connection", "login"]).map(stopCase),
    ...handlingsWith("new-token", ["login"]).map(stopCase),
  ],
};
