// What a client is told when its connection changes: the new state, why, the
// WebSocket close behind it, and where reconnecting stands.
import type { PresenceWireError } from "../codec/errors.js";

export type ConnectionState = "idle" | "connecting" | "online" | "reconnecting" | "closed";

export type ConnectionChangeReason =
  /** login() was called. */
  | "connect"
  /** A login succeeded (the first one, or a reconnect's). */
  | "logged-in"
  /** close() or logout() was called. */
  | "client-closed"
  /** The socket closed without the client asking: the server, a proxy or the network closed it. */
  | "socket-closed"
  /** A ping got no frame back within the heartbeat interval: the link is dead. */
  | "heartbeat-lost"
  /** The first connect or login failed; login() rejects with `error`. */
  | "connect-failed"
  /** A reconnect attempt failed (`error`); another is scheduled unless it cannot succeed. */
  | "reconnect-failed"
  /** The spec says not to reconnect after `error`, e.g. another connection with this device id took over. */
  | "stopped"
  /** `reconnect.maxAttempts` attempts failed in a row. */
  | "gave-up"
  /** The browser reported the network back (its `online` event): the next attempt starts at once. */
  | "network-online";

export interface ConnectionChange {
  readonly state: ConnectionState;
  readonly previous: ConnectionState;
  readonly reason: ConnectionChangeReason;
  /** The WebSocket close code of the socket whose close caused the change (e.g. 1001: the server shut down). */
  readonly closeCode?: number;
  /** The close reason the peer sent with `closeCode`. */
  readonly closeReason?: string;
  /**
   * Reconnect attempts since the connection was last online: when reconnecting, the number of the
   * attempt scheduled; when online, the attempt that succeeded (0: not a reconnect).
   */
  readonly attempt: number;
  /** When reconnecting: milliseconds until attempt `attempt` starts. */
  readonly nextDelayMs?: number;
  /** The failure behind the change, when there is one. */
  readonly error?: PresenceWireError;
}

/** The details of a change, the states aside. */
export type ChangeCause = Omit<ConnectionChange, "state" | "previous" | "attempt">;
