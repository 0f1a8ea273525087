// The reference presence engine: every behaviour rule of presence.v1 as a
// transport-free, deterministic state machine. It consumes decoded frames and
// connection events, and emits effects (frames to send, connections to close)
// through a sink. Time comes only from the injected clock and timers. The
// rules of the protocol itself (request kinds, validation, each error code's
// handling) come from src/protocol; the operations live in operations.ts and
// the fan-out of changes in fan-out.ts.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { LoginRequest, Ping } from "../../generated/ts-proto/presence/v1/session.js";
import { StatusChangeReason, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { PresenceWireError } from "../codec/errors.js";
import { closesConnection, errorFrame, type ErrorContext } from "../protocol/error-handling.js";
import { operationClassOf, type ResponseBody } from "../protocol/requests.js";
import { classifyFrame, validateRequestFields } from "../protocol/validate.js";
import type { Clock, TimerHandle, Timers } from "./clock.js";
import { resolveAppConfig, withoutUndefined, type AppConfig, type AppConfigInput, type AppSwitches } from "./config.js";
import { InMemoryFriends, InMemoryUserDirectory, type FriendsSource, type UserDirectory } from "./directory.js";
import { collectNotifications } from "./fan-out.js";
import * as operations from "./operations.js";
import { PresenceState, type ConnectionId } from "./state.js";
import type { UserState } from "./user-state.js";

export type { ConnectionId };

/** What the transport must do. */
export type EngineEffect =
  | { type: "send"; connectionId: ConnectionId; frame: Frame }
  /** Close the connection. `code` says why; ERROR_CODE_UNSPECIFIED is a normal close after a logout. */
  | { type: "close"; connectionId: ConnectionId; code: ErrorCode };

/** Receives effects synchronously, in the order the transport must apply them. */
export type EffectSink = (effect: EngineEffect) => void;

/** Checks a login token; returns the error code to refuse it with, or undefined to accept. */
export type Authenticate = (userId: string, token: string, nowMs: number) => ErrorCode | undefined;

export interface PresenceEngineOptions {
  clock: Clock;
  timers: Timers;
  sink: EffectSink;
  config?: AppConfigInput;
  friends?: FriendsSource;
  directory?: UserDirectory;
  /** Defaults to accepting every token: token formats are the server's concern. */
  authenticate?: Authenticate;
}

/** A misuse of the engine's API by its host (not a protocol error of a client). */
export class EngineError extends PresenceWireError {}

interface Connection {
  readonly id: ConnectionId;
  /** Set by a successful login. */
  userId: string | undefined;
  lastReceivedMs: number;
  /** The login timeout while not logged in, then the heartbeat check. */
  timer: TimerHandle | undefined;
}

export class PresenceEngine {
  private readonly config: AppConfig;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly sink: EffectSink;
  private readonly friends: FriendsSource;
  private readonly authenticate: Authenticate;
  private readonly state: PresenceState;
  private readonly connections = new Map<ConnectionId, Connection>();
  private readonly retentionTimers = new Map<string, TimerHandle>();
  private nextDeviceNumber = 1;

  constructor(options: PresenceEngineOptions) {
    this.config = resolveAppConfig(options.config);
    this.clock = options.clock;
    this.timers = options.timers;
    this.sink = options.sink;
    this.friends = options.friends ?? new InMemoryFriends();
    this.authenticate = options.authenticate ?? (() => undefined);
    this.state = new PresenceState(options.directory ?? new InMemoryUserDirectory(), this.config.limits);
  }

  // ---- Host API ----------------------------------------------------------

  /** A transport connection opened. It must log in within `loginTimeoutMs`. */
  connect(connectionId: ConnectionId): void {
    if (this.connections.has(connectionId)) throw new EngineError(`connection ${connectionId} is already open`);
    const connection: Connection = { id: connectionId, userId: undefined, lastReceivedMs: this.now(), timer: undefined };
    connection.timer = this.timers.schedule(this.config.limits.loginTimeoutMs, () =>
      this.event(() => this.refuse(connection, 0, "connection", ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, "no login in time")),
    );
    this.connections.set(connectionId, connection);
  }

  /** A decoded frame arrived. Frames for a connection the engine already closed are dropped. */
  receive(connectionId: ConnectionId, frame: Frame): void {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.event(() => {
      connection.lastReceivedMs = this.now();
      this.dispatch(connection, frame);
    });
  }

  /** The transport saw the connection close (FIN/RST, socket error). Unknown ids are ignored. */
  disconnect(connectionId: ConnectionId): void {
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.event(() => this.forgetConnection(connection, StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED));
  }

  /** Changes the plan or a switch; applies from the next event on. Subscription lists are kept. */
  updateSwitches(changes: Partial<AppSwitches>): void {
    Object.assign(this.config, withoutUndefined(changes));
  }

  /** The configuration in force. */
  get settings(): Readonly<AppConfig> {
    return this.config;
  }

  /** A user's current status, or undefined for a user the engine does not know. */
  statusOf(userId: string): UserStatus | undefined {
    return this.state.statusOf(userId);
  }

  /** A subscriber's list, earliest subscribed first. */
  subscriptionsOf(userId: string): string[] {
    return this.state.subscriptions.listOf(userId);
  }

  // ---- Events ------------------------------------------------------------

  /** Runs one event, then pushes the changes it made, batched per receiving connection. */
  private event(run: () => void): void {
    run();
    for (const [connectionId, statuses] of collectNotifications(this.config, this.state, this.friends)) {
      this.send(connectionId, 0, { $case: "userStatusChanged", value: { statuses } });
    }
  }

  private dispatch(connection: Connection, frame: Frame): void {
    const disposition = classifyFrame(frame);
    if (disposition.kind === "ignore") return;
    const { requestId } = frame;
    if (disposition.kind === "refuse") {
      const { error } = disposition;
      return this.refuse(connection, requestId, disposition.context, error.code, error.detail);
    }
    const request = disposition.request;
    const limits = this.config.limits;
    if (request.$case === "loginRequest") {
      if (connection.userId !== undefined) {
        return this.refuse(connection, requestId, "login", ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN, "already logged in");
      }
      const invalid = validateRequestFields(request, { limits });
      if (invalid) return this.refuse(connection, requestId, "login", invalid.code, invalid.detail);
      return this.login(connection, requestId, request.value);
    }
    const user = connection.userId === undefined ? undefined : this.state.user(connection.userId);
    if (!user) return this.refuse(connection, requestId, "request", ErrorCode.ERROR_CODE_NOT_LOGGED_IN, `${request.$case} before login`);
    const invalid = validateRequestFields(request, { userId: user.userId, limits });
    if (invalid) return this.refuse(connection, requestId, "request", invalid.code, invalid.detail);
    const context: operations.OperationContext = { config: this.config, state: this.state, nowMs: this.now() };
    const operation = operationClassOf(request, user.userId);
    const refusal = operation && operations.gate(context, user.userId, operation);
    if (refusal) return this.refuse(connection, requestId, "request", refusal.code, refusal.message, refusal.retryAfterMs);
    switch (request.$case) {
      case "ping":
        return this.pong(connection, requestId, request.value);
      case "logoutRequest":
        this.send(connection.id, requestId, { $case: "logoutResponse", value: {} });
        return this.closeConnection(connection, ErrorCode.ERROR_CODE_UNSPECIFIED, StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT);
      case "setSelfStatusRequest":
        return this.answer(connection, requestId, operations.setSelfStatus(context, connection.id, user, request.value));
      case "getUserStatusRequest":
        return this.answer(connection, requestId, operations.getUserStatus(context, request.value));
      case "subscribeUserStatusRequest":
        return this.answer(connection, requestId, operations.subscribe(context, user.userId, request.value));
      case "unsubscribeUserStatusRequest":
        return this.answer(connection, requestId, operations.unsubscribe(context, user.userId, request.value));
    }
  }

  // ---- Session -----------------------------------------------------------

  private login(connection: Connection, requestId: number, request: LoginRequest): void {
    const refused = this.authenticate(request.userId, request.token, this.now());
    if (refused !== undefined) return this.refuse(connection, requestId, "login", refused, "login refused");

    const user = this.state.userForLogin(request.userId);
    const deviceId = request.deviceId || this.freshDeviceId(user);
    const replaced = user.addDevice({ deviceId, platform: request.platform, connectionId: connection.id });
    const replacedConnection = replaced && this.connections.get(replaced.connectionId);
    if (replacedConnection) {
      // addDevice already handed the entry to the new connection, so closing the old one removes no device.
      const message = `device ${deviceId} logged in on another connection`;
      this.refuse(replacedConnection, 0, "connection", ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN, message);
    }
    connection.userId = user.userId;
    this.cancelRetention(user.userId);
    user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, this.now());
    this.state.changed(user.userId, connection.id);

    const limits = this.config.limits;
    this.timers.cancel(connection.timer ?? -1);
    this.scheduleHeartbeatCheck(connection, limits.heartbeatTimeoutMs);
    this.send(connection.id, requestId, {
      $case: "loginResponse",
      value: { limits: { ...limits }, serverTimeMs: this.nowBig(), selfStatus: user.snapshot(), deviceId },
    });
  }

  private pong(connection: Connection, requestId: number, ping: Ping): void {
    this.send(connection.id, requestId, { $case: "pong", value: { clientTimeMs: ping.clientTimeMs, serverTimeMs: this.nowBig() } });
  }

  /** Checks silence lazily: frames only stamp `lastReceivedMs`, so no timer churn per frame. */
  private scheduleHeartbeatCheck(connection: Connection, delayMs: number): void {
    connection.timer = this.timers.schedule(delayMs, () =>
      this.event(() => {
        const timeout = this.config.limits.heartbeatTimeoutMs;
        const silentMs = this.now() - connection.lastReceivedMs;
        if (silentMs < timeout) return this.scheduleHeartbeatCheck(connection, timeout - silentMs);
        this.refuse(
          connection,
          0,
          "connection",
          ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT,
          `nothing received for ${silentMs} ms`,
          0,
          StatusChangeReason.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT,
        );
      }),
    );
  }

  /**
   * Sends an Error (request id 0 in the connection context), then closes the
   * connection where the spec's handling of the code in that context says so.
   */
  private refuse(
    connection: Connection,
    requestId: number,
    context: ErrorContext,
    code: ErrorCode,
    message: string,
    retryAfterMs = 0,
    lossReason = StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED,
  ): void {
    this.sink({ type: "send", connectionId: connection.id, frame: errorFrame(context === "connection" ? 0 : requestId, code, message, retryAfterMs) });
    if (closesConnection(code, context)) this.closeConnection(connection, code, lossReason);
  }

  private closeConnection(connection: Connection, code: ErrorCode, lossReason: StatusChangeReason): void {
    this.sink({ type: "close", connectionId: connection.id, code });
    this.forgetConnection(connection, lossReason);
  }

  private forgetConnection(connection: Connection, lossReason: StatusChangeReason): void {
    this.timers.cancel(connection.timer ?? -1);
    this.connections.delete(connection.id);
    const user = connection.userId === undefined ? undefined : this.state.user(connection.userId);
    if (!user?.removeConnection(connection.id, lossReason)) return;
    user.bump(lossReason, this.now());
    this.state.changed(user.userId, undefined);
    if (user.devices.length === 0) this.scheduleRetention(user.userId);
  }

  /** Clears a subscriber's list once it has been gone for `subscriptionRetentionMs`. */
  private scheduleRetention(userId: string): void {
    const { subscriptionRetentionMs, rateLimitWindowMs } = this.config.limits;
    this.cancelRetention(userId);
    const handle = this.timers.schedule(subscriptionRetentionMs, () =>
      this.event(() => {
        this.retentionTimers.delete(userId);
        this.state.subscriptions.clear(userId);
        // Every request of the user is at least this old, so its rate windows are over.
        if (subscriptionRetentionMs >= rateLimitWindowMs) this.state.rateLimiter.forget(userId);
      }),
    );
    this.retentionTimers.set(userId, handle);
  }

  private cancelRetention(userId: string): void {
    const handle = this.retentionTimers.get(userId);
    if (handle === undefined) return;
    this.timers.cancel(handle);
    this.retentionTimers.delete(userId);
  }

  // ---- Helpers -----------------------------------------------------------

  /** A device id for a login that sent none: unique among the user's devices. */
  private freshDeviceId(user: UserState): string {
    let deviceId: string;
    do deviceId = `auto-${this.nextDeviceNumber++}`;
    while (user.devices.some((d) => d.deviceId === deviceId));
    return deviceId;
  }

  private answer(connection: Connection, requestId: number, answer: operations.Answer): void {
    if ("body" in answer) return this.send(connection.id, requestId, answer.body);
    const { code, message, retryAfterMs } = answer.refusal;
    this.refuse(connection, requestId, "request", code, message, retryAfterMs);
  }

  private send(connectionId: ConnectionId, requestId: number, body: NonNullable<Frame["body"]> | ResponseBody): void {
    this.sink({ type: "send", connectionId, frame: { requestId, body } });
  }

  private now(): number {
    return Math.floor(this.clock.now());
  }

  private nowBig(): bigint {
    return BigInt(this.now());
  }
}
