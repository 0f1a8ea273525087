// The link to the server: one WebSocket at a time, its heartbeat, and
// reconnecting after an unexpected close with full-jitter exponential backoff
// (at once when a browser reports the network back). What runs on a fresh
// socket (the login) and what a frame means belong to the client, reached
// through ConnectionHooks; every change is reported with its cause.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { PresenceWireError } from "../codec/errors.js";
import { decodeFrame, encodeFrame } from "../codec/messages.js";
import type { LimitsConfig } from "../protocol/index.js";
import type { ChangeCause, ConnectionChange, ConnectionState } from "./connection-change.js";
import { ConnectionClosedError, UnexpectedResponseError } from "./errors.js";
import { Heartbeat } from "./heartbeat.js";
import { watchNetworkOnline } from "./network.js";
import type { ReconnectPolicy } from "./options.js";
import { openWebSocket, type SocketLike, type WebSocketConstructor } from "./socket.js";

export interface ConnectionSettings {
  url: string;
  webSocket: WebSocketConstructor | undefined;
  /** Undefined: an unexpected close is final. */
  reconnect: ReconnectPolicy | undefined;
  random: () => number;
  /** The limits in force: the heartbeat interval and the largest frame. */
  limits(): Readonly<LimitsConfig>;
}

export interface ConnectionHooks<Login> {
  /** Logs in on a freshly opened socket; the connection is online once it resolves. */
  login(): Promise<Login>;
  /** Runs once a reconnect is online again, to restore what the lost connection had. */
  restore(): Promise<void>;
  /** Whether a failed reconnect is one that trying again cannot fix. */
  stopsReconnecting(error: unknown): boolean;
  ping(): void;
  frame(frame: Frame): void;
  sent(frame: Frame): void;
  /** The socket is gone: nothing sent on it will be answered. */
  lost(): void;
  error(error: PresenceWireError): void;
  /** A state change, or a further reconnect attempt scheduled while reconnecting. */
  changed(change: ConnectionChange): void;
}

export class Connection<Login> {
  private socket: SocketLike | undefined;
  private stateValue: ConnectionState = "idle";
  // Whether the client wants to be online; only then is an unexpected close reconnected.
  private wanted = false;
  // Why the client stopped wanting to be online, told when the connection closes.
  private stopCause: ChangeCause | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempts = 0;
  private unwatchNetwork: (() => void) | undefined;
  private readonly heartbeat: Heartbeat;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly hooks: ConnectionHooks<Login>,
  ) {
    this.heartbeat = new Heartbeat({
      intervalMs: () => settings.limits().heartbeatIntervalMs,
      ping: () => hooks.ping(),
      dead: () => this.declareDead(),
    });
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Opens a socket and logs in; on failure the connection is closed and stays so. */
  async connect(): Promise<Login> {
    this.wanted = true;
    this.stopCause = undefined;
    this.cancelReconnect();
    this.unwatchNetwork ??= watchNetworkOnline(() => this.networkOnline());
    this.change("connecting", { reason: "connect" });
    try {
      return await this.establish();
    } catch (error) {
      this.release({ reason: "connect-failed", error: asWireError(error) });
      this.detach();
      this.change("closed", this.stopCause ?? { reason: "connect-failed" });
      throw error;
    }
  }

  /** From now on a close is final: no reconnect is pending or will be scheduled. `cause` is told when it closes. */
  release(cause: ChangeCause = { reason: "client-closed" }): void {
    this.wanted = false;
    this.stopCause ??= cause;
    this.cancelReconnect();
    this.unwatchNetwork?.();
    this.unwatchNetwork = undefined;
  }

  /** Closes the socket, if any, without reconnecting. */
  close(cause?: ChangeCause): void {
    this.release(cause);
    this.detach();
    this.change("closed", this.stopCause ?? { reason: "client-closed" });
  }

  /** Encodes and sends a frame; throws ConnectionClosedError when there is no socket. */
  send(frame: Frame): void {
    if (!this.socket) throw new ConnectionClosedError(`not connected (state ${this.stateValue}); call login() first`);
    this.socket.send(encodeFrame(frame, { maxFrameBytes: this.settings.limits().maxFrameBytes }));
    this.heartbeat.sent();
    this.hooks.sent(frame);
  }

  private async establish(): Promise<Login> {
    const socket = await openWebSocket(this.settings.url, this.settings.webSocket);
    if (!this.wanted) {
      socket.close(1000, "client closed");
      throw new ConnectionClosedError("closed while connecting");
    }
    this.detach();
    this.socket = socket;
    socket.onmessage = (event) => this.receive(socket, event.data);
    socket.onclose = (event) => this.closed(socket, { reason: "socket-closed", closeCode: event.code, closeReason: event.reason });
    socket.onerror = () => undefined; // a close event always follows
    const login = await this.hooks.login();
    const attempt = this.reconnectAttempts;
    this.reconnectAttempts = 0;
    // Before the state change: a listener that closes at once also stops the heartbeat.
    this.heartbeat.start();
    this.change("online", { reason: "logged-in" }, attempt);
    return login;
  }

  private receive(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    this.heartbeat.received();
    let frame: Frame;
    try {
      frame = decodeFrame(toBytes(data), { maxFrameBytes: this.settings.limits().maxFrameBytes });
    } catch (error) {
      this.hooks.error(asWireError(error));
      socket.close(1002, "undecodable frame");
      return;
    }
    this.hooks.frame(frame);
  }

  private closed(socket: SocketLike, cause: ChangeCause): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.heartbeat.stop();
    this.hooks.lost();
    this.reconnectOrClose(cause);
  }

  private declareDead(): void {
    const socket = this.socket;
    if (!socket) return;
    const error = new ConnectionClosedError("no answer to a heartbeat: the link is dead");
    this.hooks.error(error);
    socket.close(4000, "heartbeat lost");
    // Some transports never report the close of a dead link; do not wait for it.
    this.closed(socket, { reason: "heartbeat-lost", error });
  }

  private reconnectOrClose(cause: ChangeCause): void {
    if (this.stateValue === "connecting") return; // connect() reports the failure of a first login
    const policy = this.settings.reconnect;
    if (!this.wanted || !policy) {
      this.change("closed", { ...cause, ...this.stopCause });
      return;
    }
    if (this.reconnectTimer !== undefined) return; // an attempt is already scheduled
    if (this.reconnectAttempts >= policy.maxAttempts) {
      const error = new ConnectionClosedError(`gave up after ${policy.maxAttempts} reconnect attempts`);
      this.release({ ...cause, reason: "gave-up", error });
      this.change("closed", this.stopCause ?? { reason: "gave-up" });
      this.hooks.error(error);
      return;
    }
    // Full jitter: spreads a crowd of clients that lost the same server.
    const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** this.reconnectAttempts);
    const delay = Math.floor(this.settings.random() * ceiling);
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
    this.change("reconnecting", { ...cause, nextDelayMs: delay });
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (!this.wanted) return;
    try {
      await this.establish();
      await this.hooks.restore();
    } catch (error) {
      const failure = asWireError(error);
      if (this.hooks.stopsReconnecting(error)) this.release({ reason: "stopped", error: failure });
      this.hooks.error(failure);
      this.detach();
      this.reconnectOrClose({ reason: "reconnect-failed", error: failure });
    }
  }

  // A browser back online: waiting out the backoff would only delay a reconnect that can now succeed.
  private networkOnline(): void {
    if (this.reconnectTimer === undefined) return;
    this.cancelReconnect();
    this.change("reconnecting", { reason: "network-online", nextDelayMs: 0 });
    void this.reconnect();
  }

  private cancelReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  private detach(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.heartbeat.stop();
    this.hooks.lost();
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(1000, "client closed");
    }
  }

  // Reports a change of state; "reconnecting" again is reported too: it is a new attempt.
  private change(state: ConnectionState, cause: ChangeCause, attempt = this.reconnectAttempts): void {
    const previous = this.stateValue;
    if (previous === state && state !== "reconnecting") return;
    this.stateValue = state;
    if (state === "closed") this.cancelReconnect();
    this.hooks.changed({ ...cause, state, previous, attempt });
  }
}

/** `error` as the SDK reports failures: a PresenceWireError, wrapped if it is not one. */
export function asWireError(error: unknown): PresenceWireError {
  return error instanceof PresenceWireError ? error : new UnexpectedResponseError(String(error), { cause: error });
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new UnexpectedResponseError("a text WebSocket message; the protocol sends binary frames only");
}
