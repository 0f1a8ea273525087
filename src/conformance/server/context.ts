// What a case works with: fresh user ids of its own, connections that log in
// as a client would (also a user on two devices, a watcher subscribed to a
// user), the limits the server announced, and the evidence log.
import type { Frame } from "../../../generated/ts-proto/presence/v1/frame.js";
import type { SubscribeUserStatusResponse } from "../../../generated/ts-proto/presence/v1/operations.js";
import type { LoginResponse } from "../../../generated/ts-proto/presence/v1/session.js";
import { Platform } from "../../../generated/ts-proto/presence/v1/status.js";
import type { LimitsConfig } from "../../protocol/limits.js";
import { CaseSkipped, CheckFailure } from "../errors.js";
import { EvidenceLog } from "../evidence.js";
import { bodyOf } from "./expect.js";
import { WirePeer, type FrameBody } from "./peer.js";
import type { ServerTarget } from "./target.js";

export interface Session {
  peer: WirePeer;
  userId: string;
  login: LoginResponse;
}

export interface LoginOptions {
  url?: string;
  /** Default: a device id of its own per connection, so logins never replace one another by accident. */
  deviceId?: string;
  /** Ping at the announced interval (default), as an idle client does; off for cases about silence. */
  keepAlive?: boolean;
}

const PROVISIONING_CONCURRENCY = 8;

export class CaseContext {
  readonly log = new EvidenceLog();
  private readonly peers: WirePeer[] = [];
  private connectionCount = 0;

  constructor(
    readonly target: ServerTarget,
    /** The limits the server announced at the kit's first login. */
    readonly limits: LimitsConfig,
    /** Unique to this case in this run, so cases never share a user. */
    private readonly userPrefix: string,
  ) {}

  /** A user id nobody else in the run uses. */
  user(name: string): string {
    return `${this.userPrefix}-${name}`;
  }

  async connect(label: string, url = this.target.url, log = this.log): Promise<WirePeer> {
    const peer = await WirePeer.open(url, `${label}#${++this.connectionCount}`, log, this.target.answerTimeoutMs, this.limits.maxFrameBytes);
    this.peers.push(peer);
    return peer;
  }

  async request(peer: WirePeer, body: FrameBody): Promise<Frame> {
    return peer.request(body, this.target.answerTimeoutMs);
  }

  async loginRequest(userId: string, deviceId: string, token?: string): Promise<FrameBody> {
    return {
      $case: "loginRequest",
      value: { userId, token: token ?? (await this.target.tokens.tokenFor(userId)), platform: Platform.PLATFORM_LINUX, deviceId, clientVersion: "presence-conformance" },
    };
  }

  /** Connects and logs `userId` in; the login must succeed. */
  async login(userId: string, options: LoginOptions = {}, log = this.log): Promise<Session> {
    // The token comes first, as a client has it before connecting: a slow token command must not eat the login timeout.
    const deviceId = options.deviceId ?? `device-${this.connectionCount + 1}`;
    const request = await this.loginRequest(userId, deviceId);
    const peer = await this.connect(this.shortName(userId), options.url, log);
    const answer = await this.request(peer, request);
    const login = bodyOf(answer, "loginResponse", `login of ${userId}`);
    if (options.keepAlive ?? true) peer.keepAlive(this.limits.heartbeatIntervalMs);
    return { peer, userId, login };
  }

  /** Logs `name` in on a phone, then on a laptop: one user with two devices, in that login order. */
  async loginPhoneAndLaptop(name: string): Promise<[phone: Session, laptop: Session]> {
    const phone = await this.login(this.user(name), { deviceId: "phone" });
    return [phone, await this.login(phone.userId, { deviceId: "laptop" })];
  }

  /** Logs `name` in and subscribes it to `userId` (which must succeed): a watcher of that user's changes. */
  async loginWatching(name: string, userId: string): Promise<Session & { subscribed: SubscribeUserStatusResponse }> {
    const session = await this.login(this.user(name));
    const subscribed = bodyOf(await this.request(session.peer, { $case: "subscribeUserStatusRequest", value: { userIds: [userId] } }), "subscribeUserStatusResponse");
    return { ...session, subscribed };
  }

  /** Makes users exist on the server (a user exists once they have logged in) and leaves them UNLOGINED. */
  async provision(userIds: readonly string[]): Promise<void> {
    this.log.event("kit", `provisioning ${userIds.length} users by logging each in and out (frames not recorded)`);
    const quiet = new EvidenceLog();
    const queue = [...userIds];
    const worker = async () => {
      for (let userId = queue.shift(); userId !== undefined; userId = queue.shift()) {
        const { peer } = await this.login(userId, { keepAlive: false }, quiet);
        bodyOf(await this.request(peer, { $case: "logoutRequest", value: {} }), "logoutResponse", `logout of ${userId}`);
        peer.terminate();
      }
    };
    await Promise.all(Array.from({ length: PROVISIONING_CONCURRENCY }, worker));
    this.log.event("kit", `provisioned ${userIds.length} users`);
  }

  async sleep(ms: number, why: string): Promise<void> {
    this.log.event("kit", `waiting ${ms} ms: ${why}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  skip(reason: string): never {
    throw new CaseSkipped(reason);
  }

  /** Every case also checks that the server only ever sent valid binary frames within max_frame_bytes. */
  expectNoViolations(): void {
    const violation = this.peers.flatMap((peer) => peer.violations)[0];
    if (violation) throw new CheckFailure(violation);
  }

  /** Closes every connection the case opened. */
  dispose(): void {
    for (const peer of this.peers) peer.terminate();
  }

  private shortName(userId: string): string {
    return userId.startsWith(`${this.userPrefix}-`) ? userId.slice(this.userPrefix.length + 1) : userId;
  }
}
