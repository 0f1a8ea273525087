// The link to the server: one WebSocket at a time, its heartbeat, and
// reconnecting after an unexpected close with full-jitter exponential backoff.
// What runs on a fresh socket (the login) and what a frame means belong to the
// client, reached through ConnectionHooks.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { PresenceWireError } from "../codec/errors.js";
import type { LimitsConfig } from "../protocol/index.js";
import { ConnectionClosedError, UnexpectedResponseError } from "./errors.js";
import { decodeFrame, encodeFrame } from "./frames.js";
import { Heartbeat } from "./heartbeat.js";
import type { ReconnectPolicy } from "./options.js";
import { openWebSocket, type SocketLike, type WebSocketConstructor } from "./socket.js";

export type ConnectionState = "idle" | "connecting" | "online" | "reconnecting" | "closed";

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
  login(reconnecting: boolean): Promise<Login>;
  /** Runs once a reconnect is online again, to restore what the lost connection had. */
  restore(): Promise<void>;
  /** Whether a failed reconnect is one that trying again cannot fix. */
  stopsReconnecting(error: unknown): boolean;
  ping(): void;
  frame(frame: Frame): void;
  /** The socket is gone: nothing sent on it will be answered. */
  lost(): void;
  error(error: PresenceWireError): void;
  stateChanged(state: ConnectionState): void;
}

export class Connection<Login> {
  private socket: SocketLike | undefined;
  private stateValue: ConnectionState = "idle";
  // Whether the client wants to be online; only then is an unexpected close reconnected.
  private wanted = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempts = 0;
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
    this.setState("connecting");
    try {
      return await this.establish(false);
    } catch (error) {
      this.wanted = false;
      this.detach();
      this.setState("closed");
      throw error;
    }
  }

  /** From now on a close is final: no reconnect is pending or will be scheduled. */
  release(): void {
    this.wanted = false;
    this.cancelReconnect();
  }

  /** Closes the socket, if any, without reconnecting. */
  close(): void {
    this.release();
    this.detach();
    this.setState("closed");
  }

  /** Encodes and sends a frame; throws ConnectionClosedError when there is no socket. */
  send(frame: Frame): void {
    if (!this.socket) throw new ConnectionClosedError(`not connected (state ${this.stateValue}); call login() first`);
    this.socket.send(encodeFrame(frame, this.settings.limits().maxFrameBytes));
    this.heartbeat.sent();
  }

  private async establish(reconnecting: boolean): Promise<Login> {
    const socket = await openWebSocket(this.settings.url, this.settings.webSocket);
    this.detach();
    this.socket = socket;
    socket.onmessage = (event) => this.receive(socket, event.data);
    socket.onclose = () => this.closed(socket);
    socket.onerror = () => undefined; // a close event always follows
    const login = await this.hooks.login(reconnecting);
    this.reconnectAttempts = 0;
    // Before the state change: a listener that closes at once also stops the heartbeat.
    this.heartbeat.start();
    this.setState("online");
    return login;
  }

  private receive(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    this.heartbeat.received();
    let frame: Frame;
    try {
      frame = decodeFrame(toBytes(data), this.settings.limits().maxFrameBytes);
    } catch (error) {
      this.hooks.error(error instanceof PresenceWireError ? error : new UnexpectedResponseError(String(error)));
      socket.close(1002, "undecodable frame");
      return;
    }
    this.hooks.frame(frame);
  }

  private closed(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.heartbeat.stop();
    this.hooks.lost();
    this.reconnectOrClose();
  }

  private declareDead(): void {
    const socket = this.socket;
    if (!socket) return;
    this.hooks.error(new ConnectionClosedError("no answer to a heartbeat: the link is dead"));
    socket.close(4000, "heartbeat lost");
    // Some transports never report the close of a dead link; do not wait for it.
    this.closed(socket);
  }

  private reconnectOrClose(): void {
    const policy = this.settings.reconnect;
    if (!this.wanted || !policy) {
      this.setState("closed");
      return;
    }
    if (this.reconnectAttempts >= policy.maxAttempts) {
      this.wanted = false;
      this.setState("closed");
      this.hooks.error(new ConnectionClosedError(`gave up after ${policy.maxAttempts} reconnect attempts`));
      return;
    }
    this.setState("reconnecting");
    // Full jitter: spreads a crowd of clients that lost the same server.
    const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** this.reconnectAttempts);
    const delay = Math.floor(this.settings.random() * ceiling);
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (!this.wanted) return;
    try {
      await this.establish(true);
      await this.hooks.restore();
    } catch (error) {
      if (this.hooks.stopsReconnecting(error)) this.close();
      if (error instanceof PresenceWireError) this.hooks.error(error);
      // A socket's close event brings the next attempt; without one, schedule it here.
      if (this.socket) this.socket.close(1000, "reconnect failed");
      else this.reconnectOrClose();
    }
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

  private setState(state: ConnectionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    if (state === "closed") this.cancelReconnect();
    this.hooks.stateChanged(state);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new UnexpectedResponseError("a text WebSocket message; the protocol sends binary frames only");
}
