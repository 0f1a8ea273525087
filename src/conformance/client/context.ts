// What a client case works with: the scripted server, the driver of the
// client under test, the evidence log, and the moves every scenario starts
// with (a login the server accepts with the limits the case announces).
import type { Frame } from "../../../generated/ts-proto/presence/v1/frame.js";
import { UserStatusType, StatusChangeReason, Platform, type UserStatus } from "../../../generated/ts-proto/presence/v1/status.js";
import { SPEC_LIMITS, type LimitsConfig } from "../../protocol/limits.js";
import { CheckFailure } from "../errors.js";
import type { EvidenceLog } from "../evidence.js";
import type { DriverProcess } from "./driver.js";
import type { ScriptedConnection, ScriptedServer } from "./scripted-server.js";

export class ClientCaseContext {
  readonly userId = "conformance-user";
  readonly deviceId = "conformance-device";
  readonly token = "conformance-token";

  constructor(
    readonly log: EvidenceLog,
    readonly server: ScriptedServer,
    readonly driver: DriverProcess,
    /** How long the kit waits for something it expects from the client. */
    readonly answerTimeoutMs: number,
    /** How long a freshly started client may take to open its first connection (no spec rule; a loaded machine is slow). */
    readonly firstConnectionTimeoutMs: number,
  ) {}

  /** Tells the client to log in, and accepts its login with `limits` announced; returns the client's connection. */
  async login(limits: Partial<LimitsConfig> = {}): Promise<ScriptedConnection> {
    const id = this.driver.send({ command: "login", url: this.server.url, userId: this.userId, token: this.token, deviceId: this.deviceId });
    const connection = await this.acceptLogin(await this.server.nextConnection(this.firstConnectionTimeoutMs), limits);
    const result = await this.driver.result(id, this.answerTimeoutMs);
    if (!result.ok) throw new CheckFailure(`the login command failed: ${result.code} ${result.message}`);
    return connection;
  }

  /** The client's first frame on `connection` must be a login (session.proto; docs/protocol.md §3.1); it is answered with success. */
  async acceptLogin(connection: ScriptedConnection, limits: Partial<LimitsConfig> = {}): Promise<ScriptedConnection> {
    const login = await this.expectLoginRequest(connection);
    connection.send({ requestId: login.requestId, body: { $case: "loginResponse", value: this.loginResponse(limits) } });
    return connection;
  }

  async expectLoginRequest(connection: ScriptedConnection): Promise<Frame> {
    const first = await connection.nextRequest(this.answerTimeoutMs, "login request");
    if (first.body?.$case !== "loginRequest") throw new CheckFailure(`${connection.label}: the client's first frame is ${first.body?.$case ?? "a frame without a body"}, not a login request`);
    const { userId, deviceId } = first.body.value;
    if (userId !== this.userId) throw new CheckFailure(`${connection.label}: login for ${JSON.stringify(userId)}, not ${this.userId}`);
    if (deviceId !== this.deviceId) throw new CheckFailure(`${connection.label}: login with device id ${JSON.stringify(deviceId)}, not the ${this.deviceId} it was given (a reconnect must keep it)`);
    return first;
  }

  loginResponse(limits: Partial<LimitsConfig>) {
    return {
      limits: { ...SPEC_LIMITS, ...limits },
      serverTimeMs: BigInt(Date.now()),
      selfStatus: this.status(this.userId, 1n, { onlineDevices: [{ deviceId: this.deviceId, platform: Platform.PLATFORM_UNSPECIFIED }] }),
      deviceId: this.deviceId,
      friendStatuses: [],
    };
  }

  /** An ONLINE status of `userId` at `version`, with `changes` applied. */
  status(userId: string, version: bigint, changes: Partial<UserStatus> = {}): UserStatus {
    return {
      userId,
      statusType: UserStatusType.USER_STATUS_TYPE_ONLINE,
      customStatus: "",
      onlineDevices: [],
      version,
      changedAtMs: BigInt(Date.now()),
      reason: StatusChangeReason.STATUS_CHANGE_REASON_LOGIN,
      epoch: 0n,
      ...changes,
    };
  }

  /** Pushes a notification (request id 0) of `statuses` on `connection`. */
  notify(connection: ScriptedConnection, statuses: UserStatus[]): void {
    connection.send({ requestId: 0, body: { $case: "userStatusChanged", value: { statuses } } });
  }

  async sleep(ms: number, why: string): Promise<void> {
    this.log.event("kit", `waiting ${ms} ms: ${why}`);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** No new connection may arrive during `ms`. */
  async expectNoReconnect(ms: number, why: string): Promise<void> {
    const before = this.server.connections.length;
    await this.sleep(ms, `the client must not reconnect: ${why}`);
    if (this.server.connections.length > before) throw new CheckFailure(`the client reconnected although ${why}`);
  }
}
