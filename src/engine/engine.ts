// The reference presence engine: every behaviour rule of presence.v1 as a
// transport-free, deterministic state machine. It consumes decoded frames and
// connection events, and emits effects (frames to send, connections to close)
// through a sink. Time comes only from the injected clock and timers.
import { ErrorCode, type Error as ErrorMessage, type UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type {
  GetUserStatusRequest,
  SetSelfStatusRequest,
  SubscribeUserStatusRequest,
  UnsubscribeUserStatusRequest,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { LoginRequest, Ping } from "../../generated/ts-proto/presence/v1/session.js";
import { StatusChangeReason, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { PresenceWireError } from "../codec/errors.js";
import { validateRequest } from "../codec/validate.js";
import type { Clock, TimerHandle, Timers } from "./clock.js";
import { resolveAppConfig, withoutUndefined, type AppConfig, type AppConfigInput, type AppSwitches } from "./config.js";
import { InMemoryFriends, InMemoryUserDirectory, type FriendsSource, type UserDirectory } from "./directory.js";
import { SlidingWindowRateLimiter, type OperationClass } from "./rate-limiter.js";
import { SubscriptionStore } from "./subscriptions.js";
import { neverLoggedIn, UserState } from "./user-state.js";

/** The transport's name for one connection (e.g. a counter per accepted socket). */
export type ConnectionId = string;

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

type RequestBody = Extract<
  NonNullable<Frame["body"]>,
  {
    $case:
      | "ping"
      | "loginRequest"
      | "logoutRequest"
      | "setSelfStatusRequest"
      | "getUserStatusRequest"
      | "subscribeUserStatusRequest"
      | "unsubscribeUserStatusRequest";
  }
>;
type ResponseBody = NonNullable<Frame["body"]>;

const REQUEST_KINDS: ReadonlySet<string> = new Set<RequestBody["$case"]>([
  "ping",
  "loginRequest",
  "logoutRequest",
  "setSelfStatusRequest",
  "getUserStatusRequest",
  "subscribeUserStatusRequest",
  "unsubscribeUserStatusRequest",
]);

function isRequest(body: Frame["body"]): body is RequestBody {
  return body !== undefined && REQUEST_KINDS.has(body.$case);
}

interface Connection {
  readonly id: ConnectionId;
  /** Set by a successful login. */
  userId: string | undefined;
  lastReceivedMs: number;
  /** The login timeout while not logged in, then the heartbeat check. */
  timer: TimerHandle | undefined;
}

/** Why a request is refused: the code and message of the Error frame. */
interface Refusal {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
}

/** The ids in first-seen order, each once. */
const distinct = (userIds: readonly string[]): string[] => [...new Set(userIds)];

const accountNotFound = (userId: string): UserError => ({ userId, code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND, message: "account not found" });

export class PresenceEngine {
  private readonly config: AppConfig;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly sink: EffectSink;
  private readonly friends: FriendsSource;
  private readonly directory: UserDirectory;
  private readonly authenticate: Authenticate;
  private readonly connections = new Map<ConnectionId, Connection>();
  private readonly users = new Map<string, UserState>();
  private readonly subscriptions = new SubscriptionStore();
  private readonly rateLimiter: SlidingWindowRateLimiter;
  private readonly retentionTimers = new Map<string, TimerHandle>();
  /** Users changed by the event being processed, with the connection already answered with the new status. */
  private readonly pendingChanges = new Map<string, ConnectionId | undefined>();
  private nextDeviceNumber = 1;

  constructor(options: PresenceEngineOptions) {
    this.config = resolveAppConfig(options.config);
    this.clock = options.clock;
    this.timers = options.timers;
    this.sink = options.sink;
    this.friends = options.friends ?? new InMemoryFriends();
    this.directory = options.directory ?? new InMemoryUserDirectory();
    this.authenticate = options.authenticate ?? (() => undefined);
    this.rateLimiter = new SlidingWindowRateLimiter(this.config.limits.rateLimitRequests, this.config.limits.rateLimitWindowMs);
  }

  // ---- Host API ----------------------------------------------------------

  /** A transport connection opened. It must log in within `loginTimeoutMs`. */
  connect(connectionId: ConnectionId): void {
    if (this.connections.has(connectionId)) throw new EngineError(`connection ${connectionId} is already open`);
    const connection: Connection = { id: connectionId, userId: undefined, lastReceivedMs: this.now(), timer: undefined };
    connection.timer = this.timers.schedule(this.config.limits.loginTimeoutMs, () =>
      this.event(() => this.closeWithError(connection, ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, "no login in time")),
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
    const user = this.users.get(userId);
    if (user) return user.snapshot();
    return this.directory.exists(userId) ? neverLoggedIn(userId) : undefined;
  }

  /** A subscriber's list, earliest subscribed first. */
  subscriptionsOf(userId: string): string[] {
    return this.subscriptions.listOf(userId);
  }

  // ---- Events ------------------------------------------------------------

  /** Runs one event, then pushes the changes it made, batched per receiving connection. */
  private event(run: () => void): void {
    run();
    this.flushNotifications();
  }

  private dispatch(connection: Connection, frame: Frame): void {
    const { requestId, body } = frame;
    if (!isRequest(body)) {
      // A body this server does not take (unknown, absent, or server-to-client).
      if (requestId !== 0) this.replyError(connection, requestId, { code: ErrorCode.ERROR_CODE_UNSUPPORTED_BODY, message: `unsupported body ${body?.$case ?? "(none)"}` });
      return;
    }
    if (requestId === 0) {
      // An answer with id 0 would read as a connection error, so the connection goes with it.
      this.closeWithError(connection, ErrorCode.ERROR_CODE_INVALID_PARAMETERS, `request ${body.$case} with request id 0`);
      return;
    }
    if (body.$case === "loginRequest") {
      if (connection.userId !== undefined) {
        return this.replyError(connection, requestId, { code: ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN, message: "already logged in" });
      }
      const invalid = this.invalidity(frame, undefined);
      if (invalid) return this.replyError(connection, requestId, invalid);
      return this.login(connection, requestId, body.value);
    }
    const user = connection.userId === undefined ? undefined : this.users.get(connection.userId);
    if (!user) return this.replyError(connection, requestId, { code: ErrorCode.ERROR_CODE_NOT_LOGGED_IN, message: `${body.$case} before login` });
    const invalid = this.invalidity(frame, user.userId);
    if (invalid) return this.replyError(connection, requestId, invalid);
    switch (body.$case) {
      case "ping":
        return this.pong(connection, requestId, body.value);
      case "logoutRequest":
        this.send(connection.id, requestId, { $case: "logoutResponse", value: {} });
        return this.closeConnection(connection, ErrorCode.ERROR_CODE_UNSPECIFIED, StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT);
      case "setSelfStatusRequest":
        return this.setSelfStatus(connection, requestId, user, body.value);
      case "getUserStatusRequest":
        return this.getUserStatus(connection, requestId, user.userId, body.value);
      case "subscribeUserStatusRequest":
        return this.subscribe(connection, requestId, user.userId, body.value);
      case "unsubscribeUserStatusRequest":
        return this.unsubscribe(connection, requestId, user.userId, body.value);
    }
  }

  // ---- Session -----------------------------------------------------------

  private login(connection: Connection, requestId: number, request: LoginRequest): void {
    const refused = this.authenticate(request.userId, request.token, this.now());
    if (refused !== undefined) {
      this.replyError(connection, requestId, { code: refused, message: "login refused" });
      return this.closeConnection(connection, refused, StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
    }

    const user = this.userState(request.userId);
    const deviceId = request.deviceId || this.freshDeviceId(user);
    const replaced = user.addDevice({ deviceId, platform: request.platform, connectionId: connection.id });
    const replacedConnection = replaced && this.connections.get(replaced.connectionId);
    if (replacedConnection) {
      // addDevice already handed the entry to the new connection, so closing the old one removes no device.
      this.closeWithError(replacedConnection, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN, `device ${deviceId} logged in on another connection`);
    }
    connection.userId = user.userId;
    this.cancelRetention(user.userId);
    user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, this.now());
    this.pendingChanges.set(user.userId, connection.id);

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
        this.closeWithError(
          connection,
          ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT,
          `nothing received for ${silentMs} ms`,
          StatusChangeReason.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT,
        );
      }),
    );
  }

  /** Sends a connection error (request id 0), then closes. */
  private closeWithError(
    connection: Connection,
    code: ErrorCode,
    message: string,
    lossReason = StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED,
  ): void {
    this.replyError(connection, 0, { code, message });
    this.closeConnection(connection, code, lossReason);
  }

  private closeConnection(connection: Connection, code: ErrorCode, lossReason: StatusChangeReason): void {
    this.sink({ type: "close", connectionId: connection.id, code });
    this.forgetConnection(connection, lossReason);
  }

  private forgetConnection(connection: Connection, lossReason: StatusChangeReason): void {
    this.timers.cancel(connection.timer ?? -1);
    this.connections.delete(connection.id);
    const user = connection.userId === undefined ? undefined : this.users.get(connection.userId);
    if (!user?.removeConnection(connection.id, lossReason)) return;
    user.bump(lossReason, this.now());
    this.pendingChanges.set(user.userId, undefined);
    if (user.devices.length === 0) this.scheduleRetention(user.userId);
  }

  /** Clears a subscriber's list once it has been gone for `subscriptionRetentionMs`. */
  private scheduleRetention(userId: string): void {
    const { subscriptionRetentionMs, rateLimitWindowMs } = this.config.limits;
    this.cancelRetention(userId);
    const handle = this.timers.schedule(subscriptionRetentionMs, () =>
      this.event(() => {
        this.retentionTimers.delete(userId);
        this.subscriptions.clear(userId);
        // Every request of the user is at least this old, so its rate windows are over.
        if (subscriptionRetentionMs >= rateLimitWindowMs) this.rateLimiter.forget(userId);
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

  // ---- Operations --------------------------------------------------------

  private setSelfStatus(connection: Connection, requestId: number, user: UserState, request: SetSelfStatusRequest): void {
    // Setting the value already held is not a visible change: no version, no push.
    if (request.customStatus !== user.customStatus) {
      user.customStatus = request.customStatus;
      user.bump(
        request.customStatus === ""
          ? StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_CLEARED
          : StatusChangeReason.STATUS_CHANGE_REASON_CUSTOM_STATUS_SET,
        this.now(),
      );
      this.pendingChanges.set(user.userId, connection.id);
    }
    this.send(connection.id, requestId, { $case: "setSelfStatusResponse", value: { status: user.snapshot() } });
  }

  private getUserStatus(connection: Connection, requestId: number, self: string, request: GetUserStatusRequest): void {
    const userIds = distinct(request.userIds);
    if (userIds.some((id) => id !== self)) {
      const refusal = this.refuseFeature(self, "query");
      if (refusal) return this.replyError(connection, requestId, refusal);
    }
    // One lookup per user: statusOf answers both "is it known" and "its status".
    const statuses: UserStatus[] = [];
    const errors: UserError[] = [];
    for (const userId of userIds) {
      const status = this.statusOf(userId);
      if (status) statuses.push(status);
      else errors.push(accountNotFound(userId));
    }
    if (statuses.length === 0) return this.replyAllFailed(connection, requestId, errors);
    this.send(connection.id, requestId, { $case: "getUserStatusResponse", value: { statuses, errors } });
  }

  private subscribe(connection: Connection, requestId: number, self: string, request: SubscribeUserStatusRequest): void {
    const limits = this.config.limits;
    const refusal = this.refuseFeature(self, "subscribe");
    if (refusal) return this.replyError(connection, requestId, refusal);
    const { found, errors } = this.lookUp(distinct(request.userIds));
    if (found.length === 0) return this.replyAllFailed(connection, requestId, errors);
    const { evicted } = this.subscriptions.subscribe(self, found, limits.maxSubscriptions);
    const statuses = found
      .filter((id) => !evicted.includes(id))
      .map((id) => this.statusOf(id))
      .filter((s) => s !== undefined);
    this.send(connection.id, requestId, { $case: "subscribeUserStatusResponse", value: { statuses, evictedUserIds: evicted, errors } });
  }

  private unsubscribe(connection: Connection, requestId: number, self: string, request: UnsubscribeUserStatusRequest): void {
    const refusal = this.refuseFeature(self, "unsubscribe");
    if (refusal) return this.replyError(connection, requestId, refusal);
    const removedUserIds =
      request.userIds.length === 0 ? this.subscriptions.clear(self) : this.subscriptions.unsubscribe(self, distinct(request.userIds));
    this.send(connection.id, requestId, { $case: "unsubscribeUserStatusResponse", value: { removedUserIds } });
  }

  /** The stateless rules of the spec (batch counts, sizes, ids, self-subscription) against the configured limits. */
  private invalidity(frame: Frame, userId: string | undefined): Refusal | undefined {
    const problem = validateRequest(frame, { userId, limits: this.config.limits });
    return problem && { code: problem.code, message: problem.detail };
  }

  /** Plan, then switch, then rate: a request refused earlier does not spend the budget. */
  private refuseFeature(userId: string, operation: OperationClass): Refusal | undefined {
    if (this.config.plan !== "premium") {
      return { code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED, message: `${operation} needs the premium plan` };
    }
    if (!this.config.featureEnabled) {
      return { code: ErrorCode.ERROR_CODE_FEATURE_DISABLED, message: "the user status feature switch is off" };
    }
    const decision = this.rateLimiter.tryAcquire(userId, operation, this.now());
    if (decision.allowed) return undefined;
    return {
      code: ErrorCode.ERROR_CODE_FREQUENCY_LIMIT,
      message: `more than ${this.config.limits.rateLimitRequests} ${operation} requests in ${this.config.limits.rateLimitWindowMs} ms`,
      retryAfterMs: decision.retryAfterMs,
    };
  }

  private lookUp(userIds: readonly string[]): { found: string[]; errors: UserError[] } {
    const found: string[] = [];
    const errors: UserError[] = [];
    for (const userId of userIds) {
      if (this.users.has(userId) || this.directory.exists(userId)) found.push(userId);
      else errors.push(accountNotFound(userId));
    }
    return { found, errors };
  }

  /** Every user of a batch failed: the request fails with the (first) per-user code. */
  private replyAllFailed(connection: Connection, requestId: number, errors: readonly UserError[]): void {
    const code = errors[0]?.code ?? ErrorCode.ERROR_CODE_INVALID_PARAMETERS;
    this.replyError(connection, requestId, { code, message: `all ${errors.length} users failed` });
  }

  // ---- Notifications -----------------------------------------------------

  /**
   * Pushes each changed status to: the user's other connections, the
   * connections of its subscribers (premium plan and feature switch on), and
   * of its friends (friend switch on). A connection gets one notification per
   * event, each user at most once.
   */
  private flushNotifications(): void {
    if (this.pendingChanges.size === 0) return;
    const subscribersEntitled = this.config.plan === "premium" && this.config.featureEnabled;
    const outbox = new Map<ConnectionId, UserStatus[]>();
    const deliver = (connectionId: ConnectionId, status: UserStatus) => {
      const statuses = outbox.get(connectionId);
      if (statuses) statuses.push(status);
      else outbox.set(connectionId, [status]);
    };
    for (const [userId, answered] of this.pendingChanges) {
      const user = this.users.get(userId);
      if (!user) continue;
      const status = user.snapshot();
      for (const device of user.devices) if (device.connectionId !== answered) deliver(device.connectionId, status);
      const receivers = new Set<string>();
      if (subscribersEntitled) for (const subscriber of this.subscriptions.subscribersOf(userId)) receivers.add(subscriber);
      if (this.config.friendAutoNotify) for (const friend of this.friends.friendsOf(userId)) receivers.add(friend);
      receivers.delete(userId);
      for (const receiver of receivers) {
        for (const device of this.users.get(receiver)?.devices ?? []) deliver(device.connectionId, status);
      }
    }
    this.pendingChanges.clear();
    for (const [connectionId, statuses] of outbox) {
      this.send(connectionId, 0, { $case: "userStatusChanged", value: { statuses } });
    }
  }

  // ---- Helpers -----------------------------------------------------------

  private userState(userId: string): UserState {
    let user = this.users.get(userId);
    if (!user) this.users.set(userId, (user = new UserState(userId)));
    return user;
  }

  /** A device id for a login that sent none: unique among the user's devices. */
  private freshDeviceId(user: UserState): string {
    let deviceId: string;
    do deviceId = `auto-${this.nextDeviceNumber++}`;
    while (user.devices.some((d) => d.deviceId === deviceId));
    return deviceId;
  }

  private send(connectionId: ConnectionId, requestId: number, body: ResponseBody): void {
    this.sink({ type: "send", connectionId, frame: { requestId, body } });
  }

  private replyError(connection: Connection, requestId: number, refusal: Refusal): void {
    const error: ErrorMessage = { code: refusal.code, message: refusal.message, retryAfterMs: refusal.retryAfterMs ?? 0 };
    this.send(connection.id, requestId, { $case: "error", value: error });
  }

  private now(): number {
    return Math.floor(this.clock.now());
  }

  private nowBig(): bigint {
    return BigInt(this.now());
  }
}
