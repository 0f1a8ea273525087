// What one node's engine holds besides the shared store: the connections on
// its sockets and their timers, the retention timers it set, the versions it
// delivered, and the event runner every rule queues its follow-ups through.
// The session, operator and cluster rules are functions of this node and the
// event scope they change; the engine builds one node and hands it to them.
import type { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { Platform, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { Clock, TimerHandle, Timers } from "./clock.js";
import type { AppConfig } from "./config.js";
import type { FriendsSource } from "./directory.js";
import type { EffectDelivery, EventScope } from "./effects.js";
import type { Outbox } from "./fan-out.js";
import type { Lanes } from "./lanes.js";
import type { RecipientIndex } from "./recipient-index.js";
import type { PresenceState } from "./state.js";
import type { ConnectionId } from "./store.js";

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

export interface Connection {
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

/** Runs one event in the lanes of `connection` (or `lanes`); nothing if the connection closed meanwhile. */
export type RunEvent = (connection: Connection | undefined, run: (scope: EventScope) => Promise<void>, lanes?: string[]) => Promise<void>;

export interface EngineNode {
  /** Read at every event: an operator may change it while the engine runs. */
  readonly config: AppConfig;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly state: PresenceState;
  readonly friends: FriendsSource;
  readonly authenticate: Authenticate;
  readonly onError: (error: unknown) => void;
  /** This node's name in device records. */
  readonly nodeId: string;
  readonly relay: (nodeId: string, relayed: Relayed) => void;
  /** Whether the engine was given a relay: without one, no other node's connection can be reached. */
  readonly relays: boolean;
  readonly lanes: Lanes;
  /** Hands effects to the transport. */
  readonly delivery: EffectDelivery;
  readonly connections: Map<ConnectionId, Connection>;
  readonly retentionTimers: Map<string, TimerHandle>;
  /** The version of each user last notified to this node's connections: what a resynchronization compares with. */
  readonly delivered: Map<string, bigint>;
  /** Who receives each user's changes, over an in-memory store and friends; undefined over a shared store. */
  readonly recipients: RecipientIndex | undefined;
  /** Numbers the device ids of logins that sent none. */
  nextDeviceNumber: number;
  /** Set when the node shuts down: none of its connections remains to be told anything. */
  closing: boolean;
  readonly event: RunEvent;
}

export function nowMs(node: EngineNode): number {
  return Math.floor(node.clock.now());
}

export const userLane = (userId: string): string => `u\u0000${userId}`;

/** A connection's events queue behind its earlier ones and behind its user's. */
export function laneNames(connection: Connection | undefined): string[] {
  if (!connection) return [];
  const lanes = [`c\u0000${connection.id}`];
  if (connection.laneUser !== undefined) lanes.push(userLane(connection.laneUser));
  return lanes;
}

/** Queues a frame for the connection. */
export function send(scope: EventScope, connectionId: ConnectionId, requestId: number, body: NonNullable<Frame["body"]>): void {
  scope.send(connectionId, { requestId, body });
}

/** Sends each receiving connection its statuses, and records the versions this node delivered. */
export function notify(node: EngineNode, scope: EventScope, outbox: Outbox): void {
  let statuses: UserStatus[] | undefined;
  let frame: Frame | undefined;
  for (const [connectionId, held] of outbox) {
    // The receivers of one change share its array (fan-out.ts), and so one frame and one record of the version.
    if (held !== statuses) {
      statuses = held;
      for (const status of held) node.delivered.set(status.userId, status.version);
      frame = { requestId: 0, body: { $case: "userStatusChanged", value: { statuses: held } } };
    }
    scope.send(connectionId, frame!);
  }
}
