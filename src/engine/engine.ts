// The reference presence engine: every behaviour rule of presence.v1 as a
// transport-free state machine over an asynchronous PresenceStore. It consumes
// decoded frames and connection events, and emits effects (frames to send,
// connections to close) through a sink. Time comes only from the injected
// clock and timers. This class is the host's API and runs the events; the
// rules live in dispatch.ts (a frame to its rule), sessions.ts and
// device-loss.ts (logins, heartbeats, logouts, losses, retention),
// operations.ts (the requests), operator.ts (switches, limits, kicks),
// cluster-calls.ts (what other nodes cause), fan-out.ts (who is told) and
// lanes.ts (the order of events); the protocol's own rules come from
// src/protocol.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { StatusChangeReason, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { PresenceWireError } from "../codec/errors.js";
import type { LimitsConfig } from "../protocol/limits.js";
import type { Clock, Timers } from "./clock.js";
import { resolveAppConfig, type AppConfig, type AppConfigInput, type AppSwitches } from "./config.js";
import * as cluster from "./cluster-calls.js";
import { expireRetention, loseAll, loseDevice } from "./device-loss.js";
import { InMemoryFriends, InMemoryUserDirectory, type FriendsSource, type UserDirectory } from "./directory.js";
import { dispatch } from "./dispatch.js";
import { EffectDelivery, EventScope, type EffectSink, type EngineEffect } from "./effects.js";
import { collectNotifications, type Outbox } from "./fan-out.js";
import { Lanes } from "./lanes.js";
import { InMemoryPresenceStore } from "./memory-store.js";
import { laneNames, notify, nowMs, type Authenticate, type Connection, type EngineNode, type Relayed } from "./node.js";
import * as operator from "./operator.js";
import { forget, openConnection } from "./sessions.js";
import { recipientIndexFor } from "./recipient-index.js";
import { PresenceState } from "./state.js";
import type { ConnectionId, PresenceStore } from "./store.js";
import { statusOf } from "./user-state.js";

export type { Authenticate, ConnectionId, EffectSink, EngineEffect, Outbox, Relayed };

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

export class PresenceEngine {
  private readonly node: EngineNode;
  private readonly changeListeners = new Set<(status: UserStatus) => void>();

  constructor(options: PresenceEngineOptions) {
    const config = resolveAppConfig(options.config);
    const onError = options.onError ?? (() => undefined);
    const store = options.store ?? new InMemoryPresenceStore();
    const friends = options.friends ?? new InMemoryFriends();
    this.node = {
      config,
      clock: options.clock,
      timers: options.timers,
      state: new PresenceState(store, options.directory ?? new InMemoryUserDirectory(), config),
      friends,
      authenticate: options.authenticate ?? (() => undefined),
      onError,
      nodeId: options.nodeId ?? "local",
      relay: options.relay ?? (() => undefined),
      relays: options.relay !== undefined,
      lanes: new Lanes(),
      delivery: new EffectDelivery(options.sink, onError),
      connections: new Map(),
      retentionTimers: new Map(),
      delivered: new Map(),
      recipients: recipientIndexFor(store, friends),
      nextDeviceNumber: 1,
      closing: false,
      event: (connection, run, lanes) => this.event(connection, run, lanes),
    };
  }

  // ---- Host API ----------------------------------------------------------

  /** A transport connection opened. It must log in within `loginTimeoutMs`. */
  connect(connectionId: ConnectionId): void {
    if (this.node.closing) throw new EngineError("the engine has shut down");
    if (this.node.connections.has(connectionId)) throw new EngineError(`connection ${connectionId} is already open`);
    const connection: Connection = { id: connectionId, userId: undefined, device: undefined, laneUser: undefined, lastReceivedMs: nowMs(this.node), timer: undefined, closed: false };
    openConnection(this.node, connection);
    this.node.delivery.opened(connectionId);
  }

  /**
   * A decoded frame arrived. Resolves once its effects went to the sink (never
   * rejects). Frames for a connection the engine already closed are dropped.
   */
  receive(connectionId: ConnectionId, frame: Frame): Promise<void> {
    const connection = this.node.connections.get(connectionId);
    if (!connection) return Promise.resolve();
    connection.lastReceivedMs = nowMs(this.node);
    if (frame.body?.$case === "loginRequest" && connection.userId === undefined) connection.laneUser = frame.body.value.userId;
    return this.event(connection, (scope) => dispatch(this.node, scope, connection, frame));
  }

  /** The transport saw the connection close (FIN/RST, socket error). Unknown ids are ignored. Resolves like `receive`. */
  disconnect(connectionId: ConnectionId): Promise<void> {
    const connection = this.node.connections.get(connectionId);
    if (!connection) return Promise.resolve();
    this.node.connections.delete(connectionId);
    this.node.delivery.gone(connectionId);
    return this.event(connection, async (scope) => {
      forget(this.node, connection);
      await loseDevice(this.node, scope, connection, StatusChangeReason.STATUS_CHANGE_REASON_CONNECTION_CLOSED);
    });
  }

  /**
   * The node goes away with every connection it holds, which the transport
   * closes itself: nothing more goes to any of them, their devices leave the
   * store (one change per user, reason CONNECTION_CLOSED) in one event behind
   * the events already queued for them, and the changes are told to the
   * receivers on other nodes only. Resolves once that event ended (never
   * rejects) with the users whose devices could not be removed (the store
   * failed: left for the cluster to reap); afterwards `connect` throws.
   */
  async shutDown(): Promise<string[]> {
    const node = this.node;
    node.closing = true;
    const connections = [...node.connections.values()];
    const lanes = new Set<string>();
    for (const connection of connections) {
      forget(node, connection);
      node.delivery.gone(connection.id);
      for (const lane of laneNames(connection)) lanes.add(lane);
    }
    // Without relays the losses are told to nobody, so the index need not follow them.
    if (!node.relays) node.recipients?.close();
    let unreleased: string[] = [];
    await this.event(undefined, async (scope) => void (unreleased = await loseAll(node, scope, connections)), [...lanes]);
    return unreleased;
  }

  /** Changes the plan or a switch; applies from the next event on, and resolves once stored. Subscription lists are kept. */
  updateSwitches(changes: Partial<AppSwitches>): Promise<void> {
    return operator.updateSwitches(this.node, changes);
  }

  /** Adopts the settings last stored by any engine sharing the store (a node starting, or told of a change). */
  refreshSettings(): Promise<void> {
    return operator.refreshSettings(this.node);
  }

  /** The configuration in force. */
  get settings(): Readonly<AppConfig> {
    return this.node.config;
  }

  /** A user's current status, or undefined for a user the engine does not know. Rejects if the store fails. */
  async statusOf(userId: string): Promise<UserStatus | undefined> {
    return (await this.node.state.statuses([userId]))[0];
  }

  /** A subscriber's list, earliest subscribed first. Rejects if the store fails. */
  async subscriptionsOf(userId: string): Promise<string[]> {
    return [...((await this.node.state.store.readSubscriptions(userId)).value ?? [])];
  }

  /**
   * Replaces limits (and stores them for every engine sharing the store; resolves once stored);
   * throws ConfigError on a bad value, changing nothing. Limits checked per request
   * apply from the next request, the heartbeat ones to connections that log in afterwards (each keeps
   * the timeout announced to it), and a lower subscription cap evicts at the subscriber's next subscribe.
   */
  updateLimits(changes: Partial<LimitsConfig>): Promise<void> {
    return operator.updateLimits(this.node, changes);
  }

  /**
   * Forces a user's devices offline (every one, or the one named), on this
   * node or, relayed, on the node holding each: each gets ERROR_CODE_KICKED
   * and its connection closes; the change carries reason KICKED. Resolves
   * with the device ids told to go (a device whose connection ends meanwhile
   * just goes). Rejects if the store fails.
   */
  kick(userId: string, deviceId?: string): Promise<string[]> {
    return operator.kick(this.node, userId, deviceId);
  }

  /** The statuses of the users known, and the ids of those unknown, each in argument order. Rejects if the store fails. */
  lookup(userIds: readonly string[]): Promise<{ statuses: UserStatus[]; unknown: string[] }> {
    return this.node.state.lookup(userIds);
  }

  /** This node's connections: open, logged in, and the distinct users they are logged in as. */
  counts(): { connections: number; loggedIn: number; onlineUsers: number } {
    return operator.counts(this.node);
  }

  /** Entries in every subscriber's list, or undefined when the store does not count them. Rejects if the store fails. */
  async subscriptionCount(): Promise<number | undefined> {
    return this.node.state.store.countSubscriptions?.();
  }

  /** Calls `listener` with every status change committed by this node's events; returns a function that stops it. */
  onStatusChange(listener: (status: UserStatus) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Resolves once every event received so far (and every event they caused) has ended: for tests and shutdown. */
  idle(): Promise<void> {
    return this.node.lanes.idle();
  }

  // ---- Cluster API: what a node sharing its store with others is told ----

  /** What another node relayed for connections of this one; resolves once handed to the sink. */
  deliverRelayed(relayed: Relayed): Promise<void> {
    return cluster.deliverRelayed(this.node, relayed);
  }

  /**
   * Removes the devices a dead node held for these users: one change each
   * (reason NODE_LOST), notified like any other. Users whose devices are
   * elsewhere, or already gone, are left as they are, so running it twice
   * changes nothing.
   */
  evictNode(nodeId: string, userIds: Iterable<string>): Promise<void> {
    return cluster.evictNode(this.node, nodeId, userIds);
  }

  /**
   * Removes the devices the store still lists on this node for these users
   * whose connections this node no longer holds: losses whose transition
   * failed while the store was unreachable (reason CONNECTION_CLOSED).
   */
  releaseLost(userIds: Iterable<string>): Promise<void> {
    return cluster.releaseLost(this.node, userIds);
  }

  /** Clears a subscriber's list if its retention deadline (kept in the store) has passed: for deadlines whose node died. */
  expireRetention(userId: string): Promise<void> {
    return expireRetention(this.node, userId);
  }

  /**
   * After this node's link to the shared store was interrupted: registers
   * again every device whose record lost it, and pushes each connection the
   * statuses it is entitled to that changed since this node last delivered
   * them. A store that started afresh (another epoch) makes every status new.
   */
  resynchronize(epochChanged: boolean): Promise<void> {
    return cluster.resynchronize(this.node, epochChanged);
  }

  // ---- Events ------------------------------------------------------------

  /**
   * Runs one event in its lanes, then pushes the changes it made, batched per
   * receiving connection, and hands its effects to the sink. A failure is
   * reported, and answered if a request is still unanswered.
   */
  private event(connection: Connection | undefined, run: (scope: EventScope) => Promise<void>, lanes = laneNames(connection)): Promise<void> {
    const node = this.node;
    return node.lanes.run(lanes, async () => {
      const scope = new EventScope();
      try {
        if (connection?.closed) return;
        await run(scope);
        // Most requests change nothing: no notification pass, not even an empty one. A node shutting
        // down tells other nodes' connections only, so without a relay it has nobody to tell.
        if (scope.changes.size > 0 && (!node.closing || node.relays)) {
          const { local, remote } = await collectNotifications(node.config, node.state.store, node.friends, node.nodeId, scope.changes, !node.closing, node.recipients);
          notify(node, scope, local);
          for (const [nodeId, outbox] of remote) node.relay(nodeId, { outbox, replaced: [], kicked: [] });
        }
        for (const [userId, { record }] of scope.changes) for (const listener of this.changeListeners) listener(statusOf(userId, record, node.state.store.epoch));
      } catch (error) {
        node.onError(error);
        scope.failed(error);
      }
      node.delivery.deliver(scope.effects);
    });
  }
}
