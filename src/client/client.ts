// The client SDK: one long connection to a presence server, with the calls of
// the source system's API (login, setSelfStatus, getUserStatus,
// subscribeUserStatus, unsubscribeUserStatus, onUserStatusChanged). The
// connection (socket, heartbeat, reconnect) and the request correlation are
// parts of their own; this class plans long calls within the limits, keeps
// the subscriptions and the latest status of each user, and takes from the
// spec what each error code means for the connection. It tells the
// application through listeners, an async iterator and an optional logger.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type {
  GetUserStatusResponse,
  SubscribeUserStatusResponse,
  UnsubscribeUserStatusResponse,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { Limits, LoginResponse } from "../../generated/ts-proto/presence/v1/session.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { DecodeError, type PresenceWireError } from "../codec/errors.js";
import {
  announcedLimits,
  clientActionFor,
  operationClassOf,
  SPEC_LIMITS,
  type LimitsConfig,
  type RequestBody,
  type ResponseValue,
} from "../protocol/index.js";
import type { ConnectionChange, ConnectionState } from "./connection-change.js";
import { asWireError, Connection } from "./connection.js";
import { ConnectionClosedError, PresenceRequestError, UnexpectedResponseError } from "./errors.js";
import { Listeners } from "./listeners.js";
import { Log } from "./log.js";
import { resolveOptions, type PresenceClientOptions, type ResolvedOptions } from "./options.js";
import { Pacer } from "./pacing.js";
import { chunkIds } from "./planner.js";
import { PendingRequests } from "./requests.js";
import { StatusStream } from "./status-stream.js";
import { LatestStatuses } from "./versions.js";

export type StatusListener = (statuses: UserStatus[]) => void;
/** A state transition; `change` says why (older listeners that take only the state still work). */
export type StateListener = (state: ConnectionState, change: ConnectionChange) => void;
export type ConnectionChangeListener = (change: ConnectionChange) => void;
export type ErrorListener = (error: PresenceWireError) => void;

export interface StatusChangesOptions {
  /** Ends the iteration when aborted. */
  signal?: AbortSignal;
}

export class PresenceClient {
  private readonly options: ResolvedOptions;
  private readonly requests: PendingRequests;
  private readonly connection: Connection<LoginResponse>;
  private readonly pacer: Pacer;
  private readonly log: Log;
  private readonly statusListeners = new Listeners<[UserStatus[]]>();
  private readonly stateListeners = new Listeners<[ConnectionState, ConnectionChange]>();
  private readonly changeListeners = new Listeners<[ConnectionChange]>();
  private readonly errorListeners = new Listeners<[PresenceWireError]>();
  private readonly latest = new LatestStatuses();
  private relogin: Promise<LoginResponse> | undefined;
  private heldPushes: Frame[] | undefined;
  private readonly subscriptions = new Set<string>();
  private limitsValue: LimitsConfig = { ...SPEC_LIMITS };
  private lastLogin: LoginResponse | undefined;

  constructor(options: PresenceClientOptions) {
    this.options = resolveOptions(options);
    const { url, webSocket, reconnect, random, requestTimeoutMs, rateLimitRetries, logger, logLevel } = this.options;
    this.log = new Log(logger, logLevel);
    this.requests = new PendingRequests(requestTimeoutMs, (frame) => this.connection.send(frame));
    this.connection = new Connection(
      { url, webSocket, reconnect, random, limits: () => this.limitsValue },
      {
        // login() hands the answer to its caller; a reconnect's login is the SDK's own.
        login: () => this.sendLogin(this.connection.state === "reconnecting"),
        restore: () => this.resubscribe(),
        stopsReconnecting: (error) => this.stopsReconnecting(error),
        // A lost pong is the heartbeat's to notice, not the ping's caller.
        ping: () => void this.request({ $case: "ping", value: { clientTimeMs: BigInt(Date.now()) } }).catch(() => undefined),
        frame: (frame) => this.receive(frame),
        sent: (frame) => this.log.write("debug", "sent", { requestId: frame.requestId, body: frame.body?.$case }),
        lost: () => this.requests.failAll(new ConnectionClosedError("connection closed")),
        error: (error) => this.reportError(error),
        changed: (change) => this.connectionChanged(change),
      },
    );
    this.pacer = new Pacer(SPEC_LIMITS.rateLimitRequests, SPEC_LIMITS.rateLimitWindowMs, rateLimitRetries);
  }

  get state(): ConnectionState {
    return this.connection.state;
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

  /**
   * The latest status this client has of `userId` (from answers, notifications and the login), or
   * undefined when it has none.
   */
  latestStatus(userId: string): UserStatus | undefined {
    return this.latest.get(userId);
  }

  /** Connects and logs in. Resolves with the server's LoginResponse; rejects with PresenceRequestError on a refused login. */
  async login(): Promise<LoginResponse> {
    if (this.connection.state === "online" && this.lastLogin) return this.lastLogin;
    const response = await this.connection.connect();
    // After close(), the subscribed users may have changed unseen, and a restarted server lost the list.
    if (this.subscriptions.size > 0) await this.resubscribe().catch((error: unknown) => this.reportError(asWireError(error)));
    return response;
  }

  /** Logs out (the user becomes UNLOGINED if this was their last device) and closes the connection. */
  async logout(): Promise<void> {
    this.connection.release();
    if (this.connection.state === "online") await this.request({ $case: "logoutRequest", value: {} });
    this.subscriptions.clear();
    this.connection.close();
  }

  /** Closes the connection without logging out (the server will report the user OFFLINE). */
  close(): void {
    this.connection.close();
  }

  /**
   * Sets (or, with "", clears) the user's own custom status. Resolves with the user's status after it,
   * which onUserStatusChanged also gets first, on this device as on the user's others.
   */
  async setSelfStatus(customStatus: string): Promise<UserStatus> {
    const { status } = await this.request({ $case: "setSelfStatusRequest", value: { customStatus } });
    if (!status) throw new UnexpectedResponseError("setSelfStatusResponse without a status");
    this.emitStatuses([status]);
    return status;
  }

  /**
   * Queries users' statuses. Lists longer than the server's max_query_users are split into calls
   * that stay within the rate limit; the answers are merged. Rejects only when every user failed.
   */
  async getUserStatus(userIds: readonly string[]): Promise<GetUserStatusResponse> {
    const merged = await this.query(userIds);
    for (const status of merged.statuses) this.latest.remember(status);
    return merged;
  }

  private async query(userIds: readonly string[]): Promise<GetUserStatusResponse> {
    const merged: GetUserStatusResponse = { statuses: [], errors: [] };
    let lastError: PresenceRequestError | undefined;
    const chunks = userIds.length === 0 ? [[]] : chunkIds(userIds, this.limitsValue.maxQueryUsers);
    for (const chunk of chunks) {
      try {
        const response = await this.paced({ $case: "getUserStatusRequest", value: { userIds: chunk } });
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
    return merged;
  }

  /**
   * Subscribes to users' status changes; lists longer than max_subscribe_users_per_call are split.
   * Resolves with the current statuses of the subscribed users and the ids evicted by the cap.
   */
  async subscribeUserStatus(userIds: readonly string[]): Promise<SubscribeUserStatusResponse> {
    const merged = await this.subscribe(userIds);
    for (const status of merged.statuses) this.latest.remember(status);
    return merged;
  }

  private async subscribe(userIds: readonly string[]): Promise<SubscribeUserStatusResponse> {
    const merged: SubscribeUserStatusResponse = { statuses: [], evictedUserIds: [], errors: [] };
    for (const chunk of chunkIds(userIds, this.limitsValue.maxSubscribeUsersPerCall)) {
      const response = await this.paced({ $case: "subscribeUserStatusRequest", value: { userIds: chunk } });
      const failed = new Set(response.errors.map((error) => error.userId));
      for (const id of chunk) if (!failed.has(id)) this.subscriptions.add(id);
      for (const id of response.evictedUserIds) this.subscriptions.delete(id);
      merged.statuses.push(...response.statuses);
      merged.evictedUserIds.push(...response.evictedUserIds);
      merged.errors.push(...response.errors);
    }
    return merged;
  }

  /** Unsubscribes from users; with no ids (the default), from everyone. */
  async unsubscribeUserStatus(userIds: readonly string[] = []): Promise<UnsubscribeUserStatusResponse> {
    const chunks = userIds.length === 0 ? [[]] : chunkIds(userIds, this.limitsValue.maxUnsubscribeUsersPerCall);
    const removedUserIds: string[] = [];
    for (const chunk of chunks) {
      const response = await this.paced({ $case: "unsubscribeUserStatusRequest", value: { userIds: chunk } });
      removedUserIds.push(...response.removedUserIds);
    }
    if (userIds.length === 0) this.subscriptions.clear();
    else for (const id of userIds) this.subscriptions.delete(id);
    return { removedUserIds };
  }

  /**
   * Listens for status changes (own devices, including this one's setSelfStatus; subscriptions; friends),
   * each user's in version order and each version once. Returns a function that removes the listener.
   */
  onUserStatusChanged(listener: StatusListener): () => void {
    return this.statusListeners.add(listener);
  }

  /**
   * The status changes onUserStatusChanged gets, as an async iterator: `for await (const statuses of
   * client.statusChanges())`. Changes that arrive while the loop body runs come in one batch, each user
   * at their latest status. It ends when the client closes (at once if it is closed), when `signal`
   * aborts, or on `break`.
   */
  statusChanges(options: StatusChangesOptions = {}): AsyncIterableIterator<UserStatus[]> {
    const { signal } = options;
    const stopOnAbort = () => void stream.return();
    const stream: StatusStream = new StatusStream(() => {
      removeStatusListener();
      removeStateListener();
      signal?.removeEventListener("abort", stopOnAbort);
    });
    const removeStatusListener = this.statusListeners.add((statuses) => stream.push(statuses));
    const removeStateListener = this.stateListeners.add((state) => {
      if (state === "closed") stream.end();
    });
    signal?.addEventListener("abort", stopOnAbort);
    if (this.state === "closed" || signal?.aborted) stream.end();
    return stream;
  }

  /** Listens for state transitions; the second argument says why, with the close code and reconnect attempt. */
  onStateChanged(listener: StateListener): () => void {
    return this.stateListeners.add(listener);
  }

  /** Listens for every change of the connection: each state transition, and each reconnect attempt scheduled. */
  onConnectionChanged(listener: ConnectionChangeListener): () => void {
    return this.changeListeners.add(listener);
  }

  /** Connection-level errors: Error frames pushed by the server, undecodable frames, refused re-logins. */
  onError(listener: ErrorListener): () => void {
    return this.errorListeners.add(listener);
  }

  private async request<B extends RequestBody>(body: B): Promise<ResponseValue<B["$case"]>> {
    const state = this.connection.state;
    if (state !== "online") throw new ConnectionClosedError(`not connected (state ${state}); call login() first`);
    try {
      return await this.requests.send(body);
    } catch (error) {
      // The server lost this connection's session: the spec says log in again, then send the request again (once).
      if (!(error instanceof PresenceRequestError) || clientActionFor(error.code, "request") !== "login-first") throw error;
      this.log.write("info", "the server asks for a login first; logging in again", { request: body.$case });
      await this.loginAgain();
      return this.requests.send(body);
    }
  }

  // One re-login on the open connection, however many requests were refused.
  private async loginAgain(): Promise<void> {
    this.relogin ??= this.sendLogin(true).finally(() => (this.relogin = undefined));
    await this.relogin;
  }

  // The server's rate limit applies to the operation class the spec gives the request, if any.
  private paced<B extends RequestBody>(body: B): Promise<ResponseValue<B["$case"]>> {
    return this.pacer.run(operationClassOf(body, this.options.userId), () => this.request(body));
  }

  /** `ownLogin`: no caller gets the answer, so the listeners get the own status it brings, when new. */
  private async sendLogin(ownLogin: boolean): Promise<LoginResponse> {
    const { userId, token, platform, deviceId, clientVersion } = this.options;
    const value = { userId, token: typeof token === "function" ? await token() : token, platform, deviceId, clientVersion };
    // A push can overtake the login answer, which may show that the versions kept belong to a state
    // that is gone: pushes wait for it, so they are compared with what is kept after it.
    const held: Frame[] = [];
    this.heldPushes = held;
    try {
      const response = await this.requests.send({ $case: "loginRequest", value });
      this.adoptLimits(response.limits);
      this.lastLogin = response;
      // Kept first, as it may show that the statuses kept belong to a state that is gone; kept, it is new.
      const self = response.selfStatus && this.latest.rememberLogin(response.selfStatus) && ownLogin ? [response.selfStatus] : [];
      this.tell([...self, ...this.latest.fresh(response.friendStatuses)]);
      return response;
    } finally {
      this.heldPushes = undefined;
      for (const frame of held) this.receive(frame);
    }
  }

  private adoptLimits(announced: Limits | undefined): void {
    const next = announcedLimits(announced);
    this.limitsValue = next;
    this.pacer.configure(next.rateLimitRequests, next.rateLimitWindowMs);
  }

  // A restarted server has lost the list; re-subscribing is harmless otherwise and brings fresh statuses,
  // which go to the listeners: a change made while the client was away, or crossing this request, may
  // come in the answer only (a push of it that follows is no longer new), so they are not kept first.
  private async resubscribe(): Promise<void> {
    const ids = [...this.subscriptions];
    if (ids.length === 0) return;
    this.emitStatuses((await this.subscribe(ids)).statuses);
  }

  // The spec's action for a refused re-login: "stop" stops, and so does "new-token" when the token is a
  // fixed string that cannot be renewed; anything else (and any other failure) is tried again.
  private stopsReconnecting(error: unknown): boolean {
    if (!(error instanceof PresenceRequestError) || error.request !== "loginRequest") return false;
    const action = clientActionFor(error.code, "login");
    return action === "stop" || (action === "new-token" && typeof this.options.token === "string");
  }

  private receive(frame: Frame): void {
    if (frame.requestId === 0 && this.heldPushes) {
      this.heldPushes.push(frame);
      return;
    }
    this.log.write("debug", "received", { requestId: frame.requestId, body: frame.body?.$case });
    if (frame.requestId !== 0) {
      this.requests.settle(frame);
      return;
    }
    switch (frame.body?.$case) {
      case "userStatusChanged":
        // A version jump is normal (a server sends a client that falls behind the latest status of each user): the status is the user's whole state.
        this.emitStatuses(frame.body.value.statuses);
        return;
      case "error": {
        const { code, message, retryAfterMs } = frame.body.value;
        const error = new PresenceRequestError(code, message, retryAfterMs, "connection");
        // E.g. another connection with this device id took over: reconnecting would take it back, forever.
        if (clientActionFor(code, "connection") === "stop") this.connection.release({ reason: "stopped", error });
        this.reportError(error);
        return;
      }
      default:
        return; // unknown pushes are ignored (docs/protocol.md 2.1)
    }
  }

  private connectionChanged(change: ConnectionChange): void {
    const { state, previous, reason, closeCode, attempt, nextDelayMs, error } = change;
    this.log.write("info", state, { reason, closeCode, attempt, nextDelayMs, error: error?.message });
    if (state !== previous) this.stateListeners.emit(state, change);
    this.changeListeners.emit(change);
  }

  // A server that breaks the protocol is an error; the rest are what a connection meets.
  private reportError(error: PresenceWireError): void {
    const level = error instanceof UnexpectedResponseError || error instanceof DecodeError ? "error" : "warn";
    this.log.write(level, error.message, { error: error.name });
    this.errorListeners.emit(error);
  }

  private emitStatuses(statuses: readonly UserStatus[]): void {
    this.tell(this.latest.fresh(statuses));
  }

  private tell(fresh: UserStatus[]): void {
    if (fresh.length > 0) this.statusListeners.emit(fresh);
  }
}
