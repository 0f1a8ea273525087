// The reference presence engine: every behaviour rule of presence.v1 as a
// transport-free state machine over an asynchronous PresenceStore. It consumes
// decoded frames and connection events, and emits effects (frames to send,
// connections to close) through a sink. Time comes only from the injected
// clock and timers. The rules of the protocol itself (request kinds,
// validation, each error code's handling) come from src/protocol; the
// operations live in operations.ts, the fan-out of changes in fan-out.ts, the
// ordering of events in lanes.ts.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { LoginRequest, Ping } from "../../generated/ts-proto/presence/v1/session.js";
import { StatusChangeReason, type Platform, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { PresenceWireError } from "../codec/errors.js";
import { closesConnection, errorFrame, type ErrorContext } from "../protocol/error-handling.js";
import { resolveLimits, type LimitsConfig } from "../protocol/limits.js";
import { operationClassOf } from "../protocol/requests.js";
import { classifyFrame, validateRequestFields } from "../protocol/validate.js";
import type { Clock, TimerHandle, Timers } from "./clock.js";
import { resolveAppConfig, withoutUndefined, type AppConfig, type AppConfigInput, type AppSwitches } from "./config.js";
import { InMemoryFriends, InMemoryUserDirectory, type FriendsSource, type UserDirectory } from "./directory.js";
import { EffectDelivery, EventScope, type EffectSink, type EngineEffect } from "./effects.js";
import { collectNotifications, type Outbox } from "./fan-out.js";
import { friendStatuses } from "./friend-statuses.js";
import { Lanes } from "./lanes.js";
import { InMemoryPresenceStore } from "./memory-store.js";
import * as operations from "./operations.js";
import { recipientIndexFor, type RecipientIndex } from "./recipient-index.js";
import { PresenceState } from "./state.js";
import type { ConnectionId, DeviceSession, PresenceStore } from "./store.js";
import { statusOf, type UserState } from "./user-state.js";

export type { ConnectionId, EffectSink, EngineEffect, Outbox };

/** What one node tells another about the connections the other holds. */
export interface Relayed {
  /** Notifications, by receiving connection. */
  outbox: Outbox;
  /** Connections whose device logged in again elsewhere: each is sent REPLACED_BY_NEW_LOGIN and closed. */
  replaced: ConnectionId[];
  /** Connections an operator forced offline: each is sent KICKED and closed, its device removed. */
  kicked: ConnectionId[];
}

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
  /** Where presence data lives; defaults to this process's memory. */
  store?: PresenceStore;
  /** This node's name in device records, unique among the nodes sharing a store. */
  nodeId?: string;
  /**
   * Hands another node what concerns the connections it holds (cluster
   * mode: it applies it with `deliverRelayed`). Without it that is dropped:
   * one node alone has no other node's connections to reach.
   */
  relay?: (nodeId: string, relayed: Relayed) => void;
  /**
   * Told of every failure inside an event (a store that fails or stays
   * contended): a request is answered INTERNAL_ERROR besides, a connection
   * loss or timer has no one to answer. Defaults to ignoring them.
   */
  onError?: (error: unknown) => void;
}

/** A misuse of the engine's API by its host (not a protocol error of a client). */
export class EngineError extends PresenceWireError {}

interface Connection {
  readonly id: ConnectionId;
  /** Set by a successful login. */
  userId: string | undefined;
  /** The device the login registered, to register it again when a shared store lost it. */
  device: { deviceId: string; platform: Platform } | undefined;
  /** The user whose lane the connection's events take: the one it logged in, or is logging in, as. */
  laneUser: string | undefined;
  lastReceivedMs: number;
  /** The login timeout while not logged in, then the heartbeat check. */
  timer: TimerHandle | undefined;
  /** Set when the engine closes it or the transport reports it gone; events queued for it then do nothing. */
  closed: boolean;
}

export class PresenceEngine {
  private readonly config: AppConfig;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly delivery: EffectDelivery;
  private readonly friends: FriendsSource;
  private readonly authenticate: Authenticate;
  private readonly onError: (error: unknown) => void;
  private readonly state: PresenceState;
  private readonly nodeId: string;
  private readonly lanes = new Lanes();
  private readonly connections = new Map<ConnectionId, Connection>();
  private readonly retentionTimers = new Map<string, TimerHandle>();
  private readonly relay: (nodeId: string, relayed: Relayed) => void;
  /** The version of each user last notified to this node's connections: what a resynchronization compares with. */
  private readonly delivered = new Map<string, bigint>();
  private readonly changeListeners = new Set<(status: UserStatus) => void>();
  /** Who receives each user's changes, over an in-memory store and friends; undefined over a shared store. */
  private readonly recipients: RecipientIndex | undefined;
  private nextDeviceNumber = 1;

  constructor(options: PresenceEngineOptions) {
    this.config = resolveAppConfig(options.config);
    this.clock = options.clock;
    this.timers = options.timers;
    this.friends = options.friends ?? new InMemoryFriends();
    this.authenticate = options.authenticate ?? (() => undefined);
    this.onError = options.onError ?? (() => undefined);
    this.delivery = new EffectDelivery(options.sink, this.onError);
    this.nodeId = options.nodeId ?? "local";
    this.relay = options.relay ?? (() => undefined);
    const store = options.store ?? new InMemoryPresenceStore();
    this.state = new PresenceState(store, options.directory ?? new InMemoryUserDirectory(), this.config);
    this.recipients = recipientIndexFor(store, this.friends);
  }

  // ---- Host API ----------------------------------------------------------

  /** A transport connection opened. It must log in within `loginTimeoutMs`. */
  connect(connectionId: ConnectionId): void {
    if (this.connections.has(connectionId)) throw new EngineError(`connection ${connectionId} is already open`);
    const connection: Connection = { id: connectionId, userId: undefined, device: undefined, laneUser: undefined, lastReceivedMs: this.now(), timer: undefined, closed: false };
    connection.timer = this.timers.schedule(this.config.limits.loginTimeoutMs, () =>
      this.event(connection, async (scope) => {
        if (connection.userId !== undefined) return;
        await this.refuse(scope, connection, 0, "connection", ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, "no login in time");
      }),
    );
    this.connections.set(connectionId, connection);
    this.delivery.opened(connectionId);
  }

  /**
   * A decoded frame arrived. Resolves once its effects went to the sink (never
   * rejects). Frames for a connection the engine already closed are dropped.
   */
  receive(connectionId: ConnectionId, frame: Frame): Promise<void> {
    const connection = this.connections.get(connectionId);
    if (!connection) return Promise.resolve();
    connection.lastReceivedMs = this.now();
    if (frame.body?.$case === "loginRequest" && connection.userId === undefined) connection.laneUser = frame.body.value.userId;
    return this.event(connection, (scope) => this.dispatch(scope, connection, frame));
  }

  /** The transport saw the connection close (FIN/RST, socket error). Unknown ids are ignored. Resolves like `receive`. */
  disconnect(connectionId: ConnectionId): Promise<void> {
    const connection = this.connections.get(connectionId);
    if (!connection) return Promise.resolve();
    this.connections.delete(connectionId);
    this.delivery.gone(connectionId);
    return this.event(connection, async (scope) => {
      this.forget(connection);
      await this.loseDevice(scope, connection, StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
    });
  }

  /** Changes the plan or a switch; applies from the next event on, and resolves once stored. Subscription lists are kept. */
  updateSwitches(changes: Partial<AppSwitches>): Promise<void> {
    Object.assign(this.config, withoutUndefined(changes));
    return this.storeSettings();
  }

  /** Adopts the settings last stored by any engine sharing the store (a node starting, or told of a change). */
  async refreshSettings(): Promise<void> {
    const { limits, ...switches } = await this.state.store.readSettings();
    Object.assign(this.config, withoutUndefined(switches));
    if (limits) this.config.limits = Object.freeze(resolveLimits(limits));
  }

  /** Stores the settings in force, so every engine sharing the store adopts them; a failure is reported. */
  private storeSettings(): Promise<void> {
    const { plan, featureEnabled, friendAutoNotify, limits } = this.config;
    return this.lanes.run(["settings"], () => this.state.store.writeSettings({ plan, featureEnabled, friendAutoNotify, limits }).catch(this.onError));
  }

  /** The configuration in force. */
  get settings(): Readonly<AppConfig> {
    return this.config;
  }

  /** A user's current status, or undefined for a user the engine does not know. Rejects if the store fails. */
  async statusOf(userId: string): Promise<UserStatus | undefined> {
    return (await this.state.statuses([userId]))[0];
  }

  /** A subscriber's list, earliest subscribed first. Rejects if the store fails. */
  async subscriptionsOf(userId: string): Promise<string[]> {
    return [...((await this.state.store.readSubscriptions(userId)).value ?? [])];
  }

  /**
   * Replaces limits (and stores them for every engine sharing the store; resolves once stored);
   * throws ConfigError on a bad value, changing nothing. Limits checked per request
   * apply from the next request, the heartbeat ones to connections that log in afterwards (each keeps
   * the timeout announced to it), and a lower subscription cap evicts at the subscriber's next subscribe.
   */
  updateLimits(changes: Partial<LimitsConfig>): Promise<void> {
    this.config.limits = Object.freeze(resolveLimits({ ...this.config.limits, ...withoutUndefined(changes) }));
    return this.storeSettings();
  }

  /**
   * Forces a user's devices offline (every one, or the one named), on this
   * node or, relayed, on the node holding each: each gets ERROR_CODE_KICKED
   * and its connection closes; the change carries reason KICKED. Resolves
   * with the device ids told to go (a device whose connection ends meanwhile
   * just goes). Rejects if the store fails.
   */
  async kick(userId: string, deviceId?: string): Promise<string[]> {
    const { value: record } = await this.state.store.readUser(userId);
    const targets = (record?.devices ?? []).filter((d) => deviceId === undefined || d.deviceId === deviceId);
    const kicks: Promise<void>[] = [];
    for (const device of targets) {
      if (device.nodeId !== this.nodeId) {
        this.relay(device.nodeId, { outbox: new Map(), replaced: [], kicked: [device.connectionId] });
        continue;
      }
      const connection = this.connections.get(device.connectionId);
      if (connection) kicks.push(this.event(connection, (scope) => this.kickConnection(scope, connection)));
    }
    await Promise.all(kicks);
    return targets.map((device) => device.deviceId);
  }


  /** The statuses of the users known, and the ids of those unknown, each in argument order. Rejects if the store fails. */
  lookup(userIds: readonly string[]): Promise<{ statuses: UserStatus[]; unknown: string[] }> {
    return this.state.lookup(userIds);
  }

  /** This node's connections: open, logged in, and the distinct users they are logged in as. */
  counts(): { connections: number; loggedIn: number; onlineUsers: number } {
    const users = new Set<string>();
    let loggedIn = 0;
    for (const { userId } of this.connections.values()) {
      if (userId === undefined) continue;
      loggedIn++;
      users.add(userId);
    }
    return { connections: this.connections.size, loggedIn, onlineUsers: users.size };
  }

  /** Entries in every subscriber's list, or undefined when the store does not count them. Rejects if the store fails. */
  async subscriptionCount(): Promise<number | undefined> {
    return this.state.store.countSubscriptions?.();
  }

  /** Calls `listener` with every status change committed by this node's events; returns a function that stops it. */
  onStatusChange(listener: (status: UserStatus) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Resolves once every event received so far (and every event they caused) has ended: for tests and shutdown. */
  idle(): Promise<void> {
    return this.lanes.idle();
  }

  // ---- Cluster API: what a node sharing its store with others is told ----

  /** What another node relayed for connections of this one; resolves once handed to the sink. */
  deliverRelayed({ outbox, replaced, kicked }: Relayed): Promise<void> {
    const delivered: Promise<void>[] = [];
    const direct = new EventScope();
    for (const [connectionId, statuses] of outbox) {
      const connection = this.connections.get(connectionId);
      if (connection?.userId === undefined) continue;
      // Behind the connection's earlier events, so a notification never overtakes its login's answer;
      // with none pending it goes at once (most do: a relayed batch costs no event per connection).
      if (this.lanes.free(laneNames(connection))) this.notify(direct, new Map([[connectionId, statuses]]));
      else delivered.push(this.event(connection, async (scope) => this.notify(scope, new Map([[connectionId, statuses]]))));
    }
    this.delivery.deliver(direct.effects);
    for (const connectionId of replaced) {
      const connection = this.connections.get(connectionId);
      if (connection?.userId !== undefined) delivered.push(this.event(connection, async (scope) => this.replace(scope, connection)));
    }
    for (const connectionId of kicked) {
      const connection = this.connections.get(connectionId);
      if (connection?.userId !== undefined) delivered.push(this.event(connection, (scope) => this.kickConnection(scope, connection)));
    }
    return Promise.all(delivered).then(() => undefined);
  }

  /**
   * Removes the devices a dead node held for these users: one change each
   * (reason NODE_LOST), notified like any other. Users whose devices are
   * elsewhere, or already gone, are left as they are, so running it twice
   * changes nothing.
   */
  evictNode(nodeId: string, userIds: Iterable<string>): Promise<void> {
    const evictions = [...userIds].map((userId) =>
      this.event(undefined, (scope) => this.removeDevices(scope, userId, StatusChangeReason.STATUS_CHANGE_REASON_NODE_LOST, (user) => user.removeDevices((d) => d.nodeId === nodeId, StatusChangeReason.STATUS_CHANGE_REASON_NODE_LOST)), [userLane(userId)]),
    );
    return Promise.all(evictions).then(() => undefined);
  }

  /**
   * Removes the devices the store still lists on this node for these users
   * whose connections this node no longer holds: losses whose transition
   * failed while the store was unreachable (reason CONNECTION_CLOSED).
   */
  releaseLost(userIds: Iterable<string>): Promise<void> {
    const reason = StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED;
    const gone = (device: DeviceSession) => device.nodeId === this.nodeId && this.connections.get(device.connectionId)?.userId === undefined;
    const releases = [...userIds].map((userId) =>
      this.event(undefined, (scope) => this.removeDevices(scope, userId, reason, (user) => user.removeDevices(gone, reason)), [userLane(userId)]),
    );
    return Promise.all(releases).then(() => undefined);
  }

  /** Clears a subscriber's list if its retention deadline (kept in the store) has passed: for deadlines whose node died. */
  expireRetention(userId: string): Promise<void> {
    return this.event(undefined, async () => void (await this.state.expireRetention(userId, this.now())), [userLane(userId)]);
  }

  /**
   * After this node's link to the shared store was interrupted: registers
   * again every device whose record lost it (the store restarted, or another
   * node took this one for dead), and pushes each connection the statuses it
   * is entitled to that changed since this node last delivered them, since
   * notifications published meanwhile are lost. A store that started afresh
   * (another epoch) makes every status new.
   */
  resynchronize(epochChanged: boolean): Promise<void> {
    if (epochChanged) this.delivered.clear();
    const byUser = new Map<string, Connection[]>();
    for (const connection of this.connections.values()) {
      if (connection.userId === undefined) continue;
      const list = byUser.get(connection.userId);
      if (list) list.push(connection);
      else byUser.set(connection.userId, [connection]);
    }
    const registrations = [...byUser].map(([userId, connections]) =>
      this.event(undefined, (scope) => this.register(scope, userId, connections), [userLane(userId)]),
    );
    return Promise.all(registrations)
      .then(() => Promise.all([...byUser.values()].flat().map((connection) => this.event(connection, (scope) => this.catchUp(scope, connection)))))
      .then(() => undefined);
  }

  // ---- Events ------------------------------------------------------------

  /**
   * Runs one event in its lanes, then pushes the changes it made, batched per
   * receiving connection, and hands its effects to the sink. A failure is
   * reported, and answered if a request is still unanswered.
   */
  private event(connection: Connection | undefined, run: (scope: EventScope) => Promise<void>, lanes = laneNames(connection)): Promise<void> {
    return this.lanes.run(lanes, async () => {
      const scope = new EventScope();
      try {
        if (connection?.closed) return;
        await run(scope);
        // Most requests change nothing: no notification pass, not even an empty one.
        if (scope.changes.size > 0) {
          const { local, remote } = await collectNotifications(this.config, this.state.store, this.friends, this.nodeId, scope.changes, this.recipients);
          this.notify(scope, local);
          for (const [nodeId, outbox] of remote) this.relay(nodeId, { outbox, replaced: [], kicked: [] });
          for (const [userId, { record }] of scope.changes) for (const listener of this.changeListeners) listener(statusOf(userId, record, this.state.store.epoch));
        }
      } catch (error) {
        this.onError(error);
        scope.failed(error);
      }
      this.delivery.deliver(scope.effects);
    });
  }

  private async dispatch(scope: EventScope, connection: Connection, frame: Frame): Promise<void> {
    const disposition = classifyFrame(frame);
    if (disposition.kind === "ignore") return;
    const { requestId } = frame;
    if (disposition.kind === "refuse") {
      const { error } = disposition;
      return this.refuse(scope, connection, requestId, disposition.context, error.code, error.detail);
    }
    const request = disposition.request;
    const limits = this.config.limits;
    if (request.$case === "loginRequest") {
      if (connection.userId !== undefined) {
        return this.refuse(scope, connection, requestId, "login", ErrorCode.ERROR_CODE_ALREADY_LOGGED_IN, "already logged in");
      }
      const invalid = validateRequestFields(request, { limits });
      if (invalid) return this.refuse(scope, connection, requestId, "login", invalid.code, invalid.detail);
      scope.answers(connection.id, requestId);
      return this.login(scope, connection, requestId, request.value);
    }
    const userId = connection.userId;
    if (userId === undefined) return this.refuse(scope, connection, requestId, "request", ErrorCode.ERROR_CODE_NOT_LOGGED_IN, `${request.$case} before login`);
    const invalid = validateRequestFields(request, { userId, limits });
    if (invalid) return this.refuse(scope, connection, requestId, "request", invalid.code, invalid.detail);
    scope.answers(connection.id, requestId);
    const context: operations.OperationContext = { config: this.config, state: this.state, nowMs: this.now(), changes: scope.changes };
    const operation = operationClassOf(request, userId);
    // A query only reads: its read goes out with the rate limit's count, one round trip for both; a
    // refusal discards it.
    const query = request.$case === "getUserStatusRequest" ? operations.getUserStatus(context, request.value) : undefined;
    query?.catch(() => undefined);
    const refusal = operation && (await operations.gate(context, userId, operation));
    if (refusal) return this.refuse(scope, connection, requestId, "request", refusal.code, refusal.message, refusal.retryAfterMs);
    switch (request.$case) {
      case "ping":
        return this.pong(scope, connection, requestId, request.value);
      case "logoutRequest":
        return this.logout(scope, connection, requestId);
      case "setSelfStatusRequest":
        return this.answer(scope, connection, requestId, await operations.setSelfStatus(context, connection.id, userId, request.value));
      case "getUserStatusRequest":
        return this.answer(scope, connection, requestId, await query!);
      case "subscribeUserStatusRequest":
        return this.answer(scope, connection, requestId, await operations.subscribe(context, userId, request.value));
      case "unsubscribeUserStatusRequest":
        return this.answer(scope, connection, requestId, await operations.unsubscribe(context, userId, request.value));
    }
  }

  // ---- Session -----------------------------------------------------------

  private async login(scope: EventScope, connection: Connection, requestId: number, request: LoginRequest): Promise<void> {
    const nowMs = this.now();
    const refused = this.authenticate(request.userId, request.token, nowMs);
    if (refused !== undefined) return this.refuse(scope, connection, requestId, "login", refused, "login refused");

    const { result, record } = await this.state.changeUser(request.userId, (user) => {
      const deviceId = request.deviceId || this.freshDeviceId(user);
      const replaced = user.addDevice({ deviceId, platform: request.platform, nodeId: this.nodeId, connectionId: connection.id });
      user.retainUntilMs = undefined;
      user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, nowMs);
      return { write: true, result: { deviceId, replaced } };
    });
    const { deviceId, replaced } = result;
    if (replaced && replaced.nodeId !== this.nodeId) this.relay(replaced.nodeId, { outbox: new Map(), replaced: [replaced.connectionId], kicked: [] });
    const replacedConnection = replaced?.nodeId === this.nodeId ? this.connections.get(replaced.connectionId) : undefined;
    if (replacedConnection) this.replace(scope, replacedConnection);
    connection.userId = request.userId;
    connection.device = { deviceId, platform: request.platform };
    this.cancelRetention(request.userId);
    if (record) scope.changes.set(request.userId, { record, answered: connection.id });

    const limits = this.config.limits;
    this.timers.cancel(connection.timer ?? -1);
    this.scheduleHeartbeatCheck(connection, limits.heartbeatTimeoutMs);
    const friends = await friendStatuses(this.config, this.state.store, this.friends, request.userId);
    this.send(scope, connection.id, requestId, {
      $case: "loginResponse",
      value: { limits: { ...limits }, serverTimeMs: BigInt(nowMs), selfStatus: statusOf(request.userId, record, this.state.store.epoch), deviceId, friendStatuses: friends },
    });
  }

  /** The device leaves first, so a store failure is answered and the client can log out again. */
  private async logout(scope: EventScope, connection: Connection, requestId: number): Promise<void> {
    await this.loseDevice(scope, connection, StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT);
    this.send(scope, connection.id, requestId, { $case: "logoutResponse", value: {} });
    this.close(scope, connection, ErrorCode.ERROR_CODE_UNSPECIFIED);
  }

  private pong(scope: EventScope, connection: Connection, requestId: number, ping: Ping): void {
    this.send(scope, connection.id, requestId, { $case: "pong", value: { clientTimeMs: ping.clientTimeMs, serverTimeMs: BigInt(this.now()) } });
  }

  /**
   * Checks silence lazily: frames only stamp `lastReceivedMs`, so no timer churn per frame. `timeout` is
   * the one announced at login: a later change of the limit does not reach this connection.
   */
  private scheduleHeartbeatCheck(connection: Connection, timeout: number, delayMs = timeout): void {
    connection.timer = this.timers.schedule(delayMs, () =>
      this.event(connection, async (scope) => {
        const silentMs = this.now() - connection.lastReceivedMs;
        if (silentMs < timeout) return this.scheduleHeartbeatCheck(connection, timeout, timeout - silentMs);
        const message = `nothing received for ${silentMs} ms`;
        const reason = StatusChangeReason.STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT;
        await this.refuse(scope, connection, 0, "connection", ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT, message, 0, reason);
      }),
    );
  }

  /**
   * Sends an Error (request id 0 in the connection context), then closes the
   * connection where the spec's handling of the code in that context says so.
   */
  private async refuse(
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
    this.close(scope, connection, code);
    await this.loseDevice(scope, connection, lossReason);
  }

  private kickConnection(scope: EventScope, connection: Connection): Promise<void> {
    const reason = StatusChangeReason.STATUS_CHANGE_REASON_KICKED;
    return this.refuse(scope, connection, 0, "connection", ErrorCode.ERROR_CODE_KICKED, "an operator forced this device offline", 0, reason);
  }

  /** The connection's device logged in on another connection, which now holds it: closing this one removes no device. */
  private replace(scope: EventScope, connection: Connection): void {
    const message = `device ${connection.device?.deviceId ?? ""} logged in on another connection`;
    scope.send(connection.id, errorFrame(0, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN, message));
    this.close(scope, connection, ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN);
  }

  /** Closes a connection on this node; its device, if any, is the caller's to remove. */
  private close(scope: EventScope, connection: Connection, code: ErrorCode): void {
    scope.close(connection.id, code);
    this.forget(connection);
  }

  private forget(connection: Connection): void {
    connection.closed = true;
    this.timers.cancel(connection.timer ?? -1);
    this.connections.delete(connection.id);
  }

  /** Removes the connection's device: one change, and OFFLINE or UNLOGINED with the retention deadline when it was the last. */
  private async loseDevice(scope: EventScope, connection: Connection, lossReason: StatusChangeReason): Promise<void> {
    const userId = connection.userId;
    if (userId === undefined) return;
    await this.removeDevices(scope, userId, lossReason, (user) => user.removeConnection(this.nodeId, connection.id, lossReason));
  }

  /** One change removing the devices `remove` takes from the user's record; nothing when it takes none. */
  private async removeDevices(scope: EventScope, userId: string, lossReason: StatusChangeReason, remove: (user: UserState) => boolean): Promise<void> {
    const nowMs = this.now();
    const { record } = await this.state.changeUser(userId, (user) => {
      if (!remove(user)) return { write: false, result: undefined };
      user.bump(lossReason, nowMs);
      if (user.devices.length === 0) user.retainUntilMs = nowMs + this.config.limits.subscriptionRetentionMs;
      return { write: true, result: undefined };
    });
    if (!record) return;
    scope.changes.set(userId, { record, answered: undefined });
    if (record.devices.length === 0) this.scheduleRetention(userId);
  }

  /** Clears a subscriber's list once it has been gone for `subscriptionRetentionMs` (the deadline is in the store). */
  private scheduleRetention(userId: string): void {
    this.cancelRetention(userId);
    const handle = this.timers.schedule(this.config.limits.subscriptionRetentionMs, () => {
      this.retentionTimers.delete(userId);
      void this.event(undefined, async () => void (await this.state.expireRetention(userId, this.now())), [userLane(userId)]);
    });
    this.retentionTimers.set(userId, handle);
  }

  private cancelRetention(userId: string): void {
    const handle = this.retentionTimers.get(userId);
    if (handle === undefined) return;
    this.timers.cancel(handle);
    this.retentionTimers.delete(userId);
  }

  // ---- Notifications and resynchronization ---------------------------------

  private notify(scope: EventScope, outbox: Outbox): void {
    for (const [connectionId, statuses] of outbox) {
      for (const status of statuses) this.delivered.set(status.userId, status.version);
      this.send(scope, connectionId, 0, { $case: "userStatusChanged", value: { statuses } });
    }
  }

  /** Adds back the devices of these connections that the user's record lacks: one change (LOGIN) if any. */
  private async register(scope: EventScope, userId: string, connections: Connection[]): Promise<void> {
    const nowMs = this.now();
    const { result: replaced, record } = await this.state.changeUser(userId, (user) => {
      const replaced: Connection[] = [];
      let added = false;
      for (const connection of connections) {
        const { deviceId, platform } = connection.device!;
        const held = user.devices.find((d) => d.deviceId === deviceId);
        if (held?.nodeId === this.nodeId && held.connectionId === connection.id) continue;
        // Another connection logged in with this device meanwhile: it is the latest login, this one was replaced.
        if (held) replaced.push(connection);
        else {
          user.addDevice({ deviceId, platform, nodeId: this.nodeId, connectionId: connection.id });
          added = true;
        }
      }
      if (!added) return { write: false, result: replaced };
      user.retainUntilMs = undefined;
      user.bump(StatusChangeReason.STATUS_CHANGE_REASON_LOGIN, nowMs);
      return { write: true, result: replaced };
    });
    for (const connection of replaced) this.replace(scope, connection);
    if (record) scope.changes.set(userId, { record, answered: undefined });
  }

  /** Pushes the connection the statuses it is entitled to whose version this node has not delivered. */
  private async catchUp(scope: EventScope, connection: Connection): Promise<void> {
    const userId = connection.userId;
    if (userId === undefined) return;
    const entitled = new Set<string>([userId]);
    if (this.config.plan === "premium" && this.config.featureEnabled) for (const target of (await this.state.store.readSubscriptions(userId)).value ?? []) entitled.add(target);
    if (this.config.friendAutoNotify) for (const friend of await this.friends.friendsOf(userId)) entitled.add(friend);
    const statuses = (await this.state.statuses([...entitled])).filter((status): status is UserStatus => status !== undefined && status.version !== this.delivered.get(status.userId));
    if (statuses.length > 0) this.notify(scope, new Map([[connection.id, statuses]]));
  }

  // ---- Helpers -----------------------------------------------------------

  /** A device id for a login that sent none: unique among the user's devices. */
  private freshDeviceId(user: UserState): string {
    let deviceId: string;
    do deviceId = `auto-${this.nextDeviceNumber++}`;
    while (user.devices.some((d) => d.deviceId === deviceId));
    return deviceId;
  }

  private answer(scope: EventScope, connection: Connection, requestId: number, answer: operations.Answer): Promise<void> | void {
    if ("body" in answer) return this.send(scope, connection.id, requestId, answer.body);
    const { code, message, retryAfterMs } = answer.refusal;
    return this.refuse(scope, connection, requestId, "request", code, message, retryAfterMs);
  }

  private send(scope: EventScope, connectionId: ConnectionId, requestId: number, body: NonNullable<Frame["body"]>): void {
    scope.send(connectionId, { requestId, body });
  }

  private now(): number {
    return Math.floor(this.clock.now());
  }
}

const userLane = (userId: string) => `u\u0000${userId}`;

/** A connection's events queue behind its earlier ones and behind its user's. */
function laneNames(connection: Connection | undefined): string[] {
  if (!connection) return [];
  const lanes = [`c\u0000${connection.id}`];
  if (connection.laneUser !== undefined) lanes.push(userLane(connection.laneUser));
  return lanes;
}
