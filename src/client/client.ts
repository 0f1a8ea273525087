// The client SDK: one long connection to a presence server, with the calls of
// the source system's API (login, setSelfStatus, getUserStatus,
// subscribeUserStatus, unsubscribeUserStatus, onUserStatusChanged), automatic
// heartbeats, request timeouts, reconnect with jittered exponential backoff
// and re-login, and a planner that keeps long lists within the limits.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type {
  GetUserStatusResponse,
  SubscribeUserStatusResponse,
  UnsubscribeUserStatusResponse,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { Limits, LoginResponse } from "../../generated/ts-proto/presence/v1/session.js";
import { Platform, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { ConfigError, PresenceWireError } from "../codec/errors.js";
import { decodeFrame, encodeFrame } from "../codec/messages.js";
import { SPEC_LIMITS, type LimitsConfig } from "../spec/limits.js";
import { ConnectionClosedError, PresenceRequestError, RequestTimeoutError, UnexpectedResponseError } from "./errors.js";
import { chunkIds, RateBudget } from "./planner.js";
import { openWebSocket, type SocketLike, type WebSocketConstructor } from "./socket.js";

export type ConnectionState = "idle" | "connecting" | "online" | "reconnecting" | "closed";

export interface ReconnectOptions {
  /** First delay ceiling; each attempt doubles it. Default 500 ms. */
  initialDelayMs?: number;
  /** Largest delay ceiling. Default 30 s. */
  maxDelayMs?: number;
  /** Give up after this many failed attempts in a row. Default: never. */
  maxAttempts?: number;
}

export interface PresenceClientOptions {
  /** The server's WebSocket URL, e.g. ws://127.0.0.1:8080/presence. */
  url: string;
  userId: string;
  /** The login token, or a function that fetches a fresh one (called before every login). */
  token: string | (() => string | Promise<string>);
  platform?: Platform;
  /** Keep the same id across reconnects so the server replaces, not duplicates, this device. Default: random. */
  deviceId?: string;
  clientVersion?: string;
  /** How long a request waits for its answer. Default 10 s. */
  requestTimeoutMs?: number;
  /** Reconnect after an unexpected close. Default: on. */
  reconnect?: boolean | ReconnectOptions;
  /** Retries of a call the server rate-limited (it waits `retry_after_ms` first). Default 3. */
  rateLimitRetries?: number;
  /** WebSocket implementation. Default: the platform's, else the `ws` package. */
  webSocket?: WebSocketConstructor;
  /** Source of jitter (tests make it deterministic). Default Math.random. */
  random?: () => number;
}

export type StatusListener = (statuses: UserStatus[]) => void;
export type StateListener = (state: ConnectionState) => void;
export type ErrorListener = (error: PresenceWireError) => void;

interface Pending {
  resolve(frame: Frame): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  kind: string;
}

// Login failures that reconnecting with the same (static) token cannot fix.
const FATAL_LOGIN_CODES = new Set<ErrorCode>([
  ErrorCode.ERROR_CODE_TOKEN_INVALID,
  ErrorCode.ERROR_CODE_TOKEN_EXPIRED,
  ErrorCode.ERROR_CODE_INVALID_PARAMETERS,
]);

type RateClass = "query" | "subscribe" | "unsubscribe";

export class PresenceClient {
  private readonly options: Required<Omit<PresenceClientOptions, "webSocket" | "reconnect">> & {
    webSocket?: WebSocketConstructor;
    reconnect: Required<Omit<ReconnectOptions, "maxAttempts">> & { maxAttempts: number };
    reconnectEnabled: boolean;
  };
  private socket: SocketLike | undefined;
  private stateValue: ConnectionState = "idle";
  private nextRequestId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly errorListeners = new Set<ErrorListener>();
  private readonly latestVersions = new Map<string, bigint>();
  private readonly subscriptions = new Set<string>();
  private readonly budgets: Record<RateClass, RateBudget>;
  private limitsValue: LimitsConfig = { ...SPEC_LIMITS };
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private deadTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private reconnectAttempts = 0;
  private wantOnline = false;
  private lastLogin: LoginResponse | undefined;

  constructor(options: PresenceClientOptions) {
    if (!options.url) throw new ConfigError("url is required");
    if (!options.userId) throw new ConfigError("userId is required");
    const reconnect = typeof options.reconnect === "object" ? options.reconnect : {};
    this.options = {
      url: options.url,
      userId: options.userId,
      token: options.token,
      platform: options.platform ?? Platform.PLATFORM_UNSPECIFIED,
      deviceId: options.deviceId ?? randomDeviceId(),
      clientVersion: options.clientVersion ?? "presence-wire-client/0.1",
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      rateLimitRetries: options.rateLimitRetries ?? 3,
      random: options.random ?? Math.random,
      webSocket: options.webSocket,
      reconnectEnabled: options.reconnect !== false,
      reconnect: {
        initialDelayMs: reconnect.initialDelayMs ?? 500,
        maxDelayMs: reconnect.maxDelayMs ?? 30_000,
        maxAttempts: reconnect.maxAttempts ?? Number.POSITIVE_INFINITY,
      },
    };
    const { rateLimitRequests, rateLimitWindowMs } = SPEC_LIMITS;
    this.budgets = {
      query: new RateBudget(rateLimitRequests, rateLimitWindowMs),
      subscribe: new RateBudget(rateLimitRequests, rateLimitWindowMs),
      unsubscribe: new RateBudget(rateLimitRequests, rateLimitWindowMs),
    };
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The limits the server announced at the last login (the spec's before that). */
  get limits(): Readonly<LimitsConfig> {
    return this.limitsValue;
  }

  get deviceId(): string {
    return this.options.deviceId;
  }

  /** The users this client is subscribed to, as far as it knows. Re-subscribed after a reconnect. */
  get subscribedUserIds(): string[] {
    return [...this.subscriptions];
  }

  /** Connects and logs in. Resolves with the server's LoginResponse; rejects with PresenceRequestError on a refused login. */
  async login(): Promise<LoginResponse> {
    if (this.stateValue === "online" && this.lastLogin) return this.lastLogin;
    this.wantOnline = true;
    this.setState("connecting");
    try {
      return await this.connectAndLogin();
    } catch (error) {
      this.wantOnline = false;
      this.teardownSocket();
      this.setState("closed");
      throw error;
    }
  }

  /** Logs out (the user becomes UNLOGINED if this was their last device) and closes the connection. */
  async logout(): Promise<void> {
    this.wantOnline = false;
    this.clearReconnect();
    if (this.socket && this.stateValue === "online") {
      await this.request({ $case: "logoutRequest", value: {} }, "logoutResponse");
    }
    this.subscriptions.clear();
    this.teardownSocket();
    this.setState("closed");
  }

  /** Closes the connection without logging out (the server will report the user OFFLINE). */
  close(): void {
    this.wantOnline = false;
    this.clearReconnect();
    this.teardownSocket();
    this.setState("closed");
  }

  /** Sets (or, with "", clears) the user's own custom status. Resolves with the user's status after it. */
  async setSelfStatus(customStatus: string): Promise<UserStatus> {
    const frame = await this.request({ $case: "setSelfStatusRequest", value: { customStatus } }, "setSelfStatusResponse");
    const status = (frame.body as { value: { status?: UserStatus } }).value.status;
    if (!status) throw new UnexpectedResponseError("setSelfStatusResponse without a status");
    this.remember(status);
    return status;
  }

  /**
   * Queries users' statuses. Lists longer than the server's max_query_users are split into calls
   * that stay within the rate limit; the answers are merged. Rejects only when every user failed.
   */
  async getUserStatus(userIds: readonly string[]): Promise<GetUserStatusResponse> {
    const onlySelf = userIds.length > 0 && userIds.every((id) => id === this.options.userId);
    const merged: GetUserStatusResponse = { statuses: [], errors: [] };
    let lastError: PresenceRequestError | undefined;
    const chunks = userIds.length === 0 ? [[]] : chunkIds(userIds, this.limitsValue.maxQueryUsers);
    for (const chunk of chunks) {
      try {
        const frame = await this.limitedRequest(onlySelf ? undefined : "query", {
          $case: "getUserStatusRequest",
          value: { userIds: chunk },
        }, "getUserStatusResponse");
        const response = (frame.body as { value: GetUserStatusResponse }).value;
        merged.statuses.push(...response.statuses);
        merged.errors.push(...response.errors);
      } catch (error) {
        // With several chunks, one chunk whose users all failed is a partial failure of the whole call.
        if (!(error instanceof PresenceRequestError) || chunks.length === 1) throw error;
        lastError = error;
        merged.errors.push(...chunk.map((userId) => ({ userId, code: error.code, message: error.message })));
      }
    }
    if (merged.statuses.length === 0 && lastError) throw lastError;
    for (const status of merged.statuses) this.remember(status);
    return merged;
  }

  /**
   * Subscribes to users' status changes; lists longer than max_subscribe_users_per_call are split.
   * Resolves with the current statuses of the subscribed users and the ids evicted by the cap.
   */
  async subscribeUserStatus(userIds: readonly string[]): Promise<SubscribeUserStatusResponse> {
    const merged: SubscribeUserStatusResponse = { statuses: [], evictedUserIds: [], errors: [] };
    for (const chunk of chunkIds(userIds, this.limitsValue.maxSubscribeUsersPerCall)) {
      const frame = await this.limitedRequest("subscribe", {
        $case: "subscribeUserStatusRequest",
        value: { userIds: chunk },
      }, "subscribeUserStatusResponse");
      const response = (frame.body as { value: SubscribeUserStatusResponse }).value;
      const failed = new Set(response.errors.map((error) => error.userId));
      for (const id of chunk) if (!failed.has(id)) this.subscriptions.add(id);
      for (const id of response.evictedUserIds) this.subscriptions.delete(id);
      merged.statuses.push(...response.statuses);
      merged.evictedUserIds.push(...response.evictedUserIds);
      merged.errors.push(...response.errors);
    }
    for (const status of merged.statuses) this.remember(status);
    return merged;
  }

  /** Unsubscribes from users; with no ids (the default), from everyone. */
  async unsubscribeUserStatus(userIds: readonly string[] = []): Promise<UnsubscribeUserStatusResponse> {
    const chunks = userIds.length === 0 ? [[]] : chunkIds(userIds, this.limitsValue.maxUnsubscribeUsersPerCall);
    const removedUserIds: string[] = [];
    for (const chunk of chunks) {
      const frame = await this.limitedRequest("unsubscribe", {
        $case: "unsubscribeUserStatusRequest",
        value: { userIds: chunk },
      }, "unsubscribeUserStatusResponse");
      const response = (frame.body as { value: UnsubscribeUserStatusResponse }).value;
      removedUserIds.push(...response.removedUserIds);
    }
    if (userIds.length === 0) this.subscriptions.clear();
    else for (const id of userIds) this.subscriptions.delete(id);
    return { removedUserIds };
  }

  /** Listens for status changes (own devices, subscriptions, friends). Returns a function that removes the listener. */
  onUserStatusChanged(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onStateChanged(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Connection-level errors: Error frames pushed by the server, undecodable frames, refused re-logins. */
  onError(listener: ErrorListener): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  // ---- connection ----

  private async connectAndLogin(): Promise<LoginResponse> {
    const socket = await openWebSocket(this.options.url, this.options.webSocket);
    this.teardownSocket();
    this.socket = socket;
    socket.onmessage = (event) => this.onMessage(socket, event.data);
    socket.onclose = () => this.onSocketClosed(socket);
    socket.onerror = () => undefined; // a close event always follows
    const token = typeof this.options.token === "function" ? await this.options.token() : this.options.token;
    const frame = await this.request({
      $case: "loginRequest",
      value: {
        userId: this.options.userId,
        token,
        platform: this.options.platform,
        deviceId: this.options.deviceId,
        clientVersion: this.options.clientVersion,
      },
    }, "loginResponse", true);
    const response = (frame.body as { value: LoginResponse }).value;
    this.adoptLimits(response.limits);
    this.lastLogin = response;
    this.reconnectAttempts = 0;
    this.setState("online");
    this.armIdleTimer();
    return response;
  }

  private adoptLimits(limits: Limits | undefined): void {
    const next: LimitsConfig = { ...SPEC_LIMITS };
    if (limits) {
      for (const key of Object.keys(SPEC_LIMITS) as (keyof LimitsConfig)[]) {
        // A limit an older server does not send takes its spec default.
        if (limits[key] > 0) next[key] = limits[key];
      }
    }
    this.limitsValue = next;
    for (const budget of Object.values(this.budgets)) budget.configure(next.rateLimitRequests, next.rateLimitWindowMs);
  }

  private onMessage(socket: SocketLike, data: unknown): void {
    if (socket !== this.socket) return;
    this.disarmDeadTimer();
    let frame: Frame;
    try {
      frame = decodeFrame(toBytes(data), { maxFrameBytes: this.limitsValue.maxFrameBytes });
    } catch (error) {
      this.emitError(error instanceof PresenceWireError ? error : new UnexpectedResponseError(String(error)));
      socket.close(1002, "undecodable frame");
      return;
    }
    if (frame.requestId !== 0) {
      const pending = this.pending.get(frame.requestId);
      if (!pending) return; // answer to a request that already timed out
      this.pending.delete(frame.requestId);
      clearTimeout(pending.timer);
      pending.resolve(frame);
      return;
    }
    switch (frame.body?.$case) {
      case "userStatusChanged":
        this.emitStatuses(frame.body.value.statuses);
        return;
      case "error": {
        const { code, message, retryAfterMs } = frame.body.value;
        // Another connection with this device id took over; reconnecting would take it back, forever.
        if (code === ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN) this.wantOnline = false;
        this.emitError(new PresenceRequestError(code, message, retryAfterMs, "connection"));
        return;
      }
      default:
        return; // unknown pushes are ignored (docs/protocol.md 2.1)
    }
  }

  private onSocketClosed(socket: SocketLike): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.stopHeartbeat();
    this.rejectAll(new ConnectionClosedError("connection closed"));
    if (!this.wantOnline || !this.options.reconnectEnabled) {
      this.setState("closed");
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const { initialDelayMs, maxDelayMs, maxAttempts } = this.options.reconnect;
    if (this.reconnectAttempts >= maxAttempts) {
      this.wantOnline = false;
      this.setState("closed");
      this.emitError(new ConnectionClosedError(`gave up after ${maxAttempts} reconnect attempts`));
      return;
    }
    this.setState("reconnecting");
    // Full jitter: spreads a crowd of clients that lost the same server.
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** this.reconnectAttempts);
    const delay = Math.floor(this.options.random() * ceiling);
    this.reconnectAttempts++;
    this.reconnectTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = undefined;
    if (!this.wantOnline) return;
    try {
      // The server may have restarted: versions start over, so forget the old ones.
      this.latestVersions.clear();
      await this.connectAndLogin();
      await this.resubscribe();
    } catch (error) {
      if (error instanceof PresenceRequestError && FATAL_LOGIN_CODES.has(error.code) && typeof this.options.token === "string") {
        this.wantOnline = false;
        this.teardownSocket();
        this.setState("closed");
        this.emitError(error);
        return;
      }
      if (error instanceof PresenceWireError) this.emitError(error);
      if (this.socket) this.socket.close(1000, "reconnect failed");
      else if (this.wantOnline) this.scheduleReconnect();
    }
  }

  // A restarted server has lost the list; re-subscribing is harmless otherwise and brings fresh statuses.
  private async resubscribe(): Promise<void> {
    const ids = [...this.subscriptions];
    if (ids.length === 0) return;
    const response = await this.subscribeUserStatus(ids);
    this.emitStatuses(response.statuses);
  }

  // ---- requests ----

  private async limitedRequest(rateClass: RateClass | undefined, body: NonNullable<Frame["body"]>, expect: string): Promise<Frame> {
    const budget = rateClass === undefined ? undefined : this.budgets[rateClass];
    for (let attempt = 0; ; attempt++) {
      if (budget) {
        const delay = budget.delayMs(Date.now());
        if (delay > 0) await sleep(delay);
        budget.record(Date.now());
      }
      try {
        return await this.request(body, expect);
      } catch (error) {
        const retryable = error instanceof PresenceRequestError && error.code === ErrorCode.ERROR_CODE_FREQUENCY_LIMIT;
        if (!retryable || !budget || attempt >= this.options.rateLimitRetries) throw error;
        budget.blockUntil(Date.now() + error.retryAfterMs);
      }
    }
  }

  private request(body: NonNullable<Frame["body"]>, expect: string, duringLogin = false): Promise<Frame> {
    const socket = this.socket;
    if (!socket || (!duringLogin && this.stateValue !== "online")) {
      return Promise.reject(new ConnectionClosedError(`not connected (state ${this.stateValue}); call login() first`));
    }
    const requestId = this.allocateRequestId();
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RequestTimeoutError(`${body.$case} got no answer within ${this.options.requestTimeoutMs} ms`));
      }, this.options.requestTimeoutMs);
      this.pending.set(requestId, {
        kind: body.$case,
        timer,
        reject,
        resolve: (frame) => {
          if (frame.body?.$case === expect) resolve(frame);
          else if (frame.body?.$case === "error") {
            const { code, message, retryAfterMs } = frame.body.value;
            reject(new PresenceRequestError(code, message, retryAfterMs, body.$case));
          } else reject(new UnexpectedResponseError(`${body.$case} answered with ${frame.body?.$case ?? "no body"}`));
        },
      });
      try {
        socket.send(encodeFrame({ requestId, body }, { maxFrameBytes: this.limitsValue.maxFrameBytes }));
        this.armIdleTimer();
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(error);
      }
    });
  }

  private allocateRequestId(): number {
    do {
      this.nextRequestId = this.nextRequestId >= 0xffffffff ? 1 : this.nextRequestId + 1;
    } while (this.pending.has(this.nextRequestId));
    return this.nextRequestId;
  }

  private rejectAll(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
  }

  // ---- heartbeat ----

  // Ping when nothing was sent for one interval; declare the link dead when a ping gets no frame back within another.
  private armIdleTimer(): void {
    if (this.stateValue !== "online") return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.sendPing(), this.limitsValue.heartbeatIntervalMs);
  }

  private sendPing(): void {
    const socket = this.socket;
    if (!socket || this.stateValue !== "online") return;
    const sent = this.request({ $case: "ping", value: { clientTimeMs: BigInt(Date.now()) } }, "pong");
    sent.catch(() => undefined); // a lost pong is handled by the dead-link timer
    if (!this.deadTimer) {
      this.deadTimer = setTimeout(() => {
        this.deadTimer = undefined;
        this.emitError(new ConnectionClosedError("no answer to a heartbeat: the link is dead"));
        socket.close(4000, "heartbeat lost");
        // Some transports never report the close of a dead link; do not wait for it.
        this.onSocketClosed(socket);
      }, this.limitsValue.heartbeatIntervalMs);
    }
  }

  private disarmDeadTimer(): void {
    clearTimeout(this.deadTimer);
    this.deadTimer = undefined;
  }

  private stopHeartbeat(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.disarmDeadTimer();
  }

  // ---- helpers ----

  private teardownSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.stopHeartbeat();
    this.rejectAll(new ConnectionClosedError("connection closed"));
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(1000, "client closed");
    }
  }

  private clearReconnect(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
  }

  // Keeps the highest version per user; a status older than what was seen is dropped.
  private remember(status: UserStatus): boolean {
    const known = this.latestVersions.get(status.userId);
    if (known !== undefined && status.version <= known) return false;
    this.latestVersions.set(status.userId, status.version);
    return true;
  }

  private emitStatuses(statuses: UserStatus[]): void {
    const fresh = statuses.filter((status) => this.remember(status));
    if (fresh.length === 0) return;
    for (const listener of this.statusListeners) listener(fresh);
  }

  private emitError(error: PresenceWireError): void {
    for (const listener of this.errorListeners) listener(error);
  }

  private setState(state: ConnectionState): void {
    if (this.stateValue === state) return;
    this.stateValue = state;
    if (state === "closed") this.clearReconnect();
    for (const listener of this.stateListeners) listener(state);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new UnexpectedResponseError("a text WebSocket message; the protocol sends binary frames only");
}

function randomDeviceId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
