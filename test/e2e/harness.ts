// Helpers for end-to-end tests: a real server on an ephemeral loopback port,
// raw WebSocket peers that speak frames directly, and SDK clients.
import WebSocket from "ws";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { PresenceClient, type PresenceClientOptions } from "../../src/client/index.js";
import { startPresenceServer, type PresenceServer, type ServerOptions } from "../../src/server/server.js";
import { createToken } from "../../src/token/token.js";

export const SECRET = "e2e-secret-0123456789abcdef";

export function tokenFor(userId: string, ttlMs = 3600_000): string {
  return createToken({ userId, expiresAtMs: Date.now() + ttlMs }, SECRET);
}

export async function startServer(options: ServerOptions = {}): Promise<PresenceServer> {
  return startPresenceServer({
    host: "127.0.0.1",
    port: 0,
    secret: SECRET,
    devSecret: false,
    // Tests share a busy machine: a late event loop would shed their logins. The shedding tests turn it on.
    maxEventLoopLagMs: 0,
    ...options,
    app: { plan: "premium", featureEnabled: true, ...options.app },
  });
}

/** A peer that sends and receives raw frames, to test the protocol below the SDK. */
export class RawPeer {
  readonly frames: Frame[] = [];
  /** Each message's bytes as received, alongside `frames`. */
  readonly messages: Uint8Array[] = [];
  closeCode: number | undefined;
  closeReason = "";
  private waiters: (() => void)[] = [];
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      this.messages.push(new Uint8Array(data));
      this.frames.push(decodeFrame(new Uint8Array(data)));
      this.wake();
    });
    socket.on("close", (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      this.wake();
    });
  }

  static async open(url: string): Promise<RawPeer> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
    return new RawPeer(socket);
  }

  sendFrame(body: NonNullable<Frame["body"]>, requestId = this.nextId++): number {
    this.socket.send(encodeFrame({ requestId, body }));
    return requestId;
  }

  /** Sends the frames in one write of the TCP socket, so the server reads them together; returns their request ids. */
  sendBurst(bodies: NonNullable<Frame["body"]>[]): number[] {
    const tcp = (this.socket as unknown as { _socket: import("node:net").Socket })._socket;
    tcp.cork();
    const ids = bodies.map((body) => this.sendFrame(body));
    tcp.uncork();
    return ids;
  }

  sendBytes(bytes: Uint8Array | string): void {
    this.socket.send(bytes);
  }

  async login(userId: string, token = tokenFor(userId), deviceId = "raw"): Promise<Frame> {
    const id = this.sendFrame({ $case: "loginRequest", value: { userId, token, platform: Platform.PLATFORM_LINUX, deviceId, clientVersion: "e2e" } });
    return this.response(id);
  }

  /** Sends a request and waits for the frame answering it. */
  async request(body: NonNullable<Frame["body"]>): Promise<Frame> {
    return this.response(this.sendFrame(body));
  }

  async response(requestId: number, timeoutMs = 5000): Promise<Frame> {
    return this.until(() => this.frames.find((f) => f.requestId === requestId), timeoutMs, `answer to request ${requestId}`);
  }

  /** Waits for a pushed frame (request id 0) that `match` accepts. */
  async push(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    return this.until(() => this.frames.find((f) => f.requestId === 0 && match(f)), timeoutMs, "a pushed frame");
  }

  async closed(timeoutMs = 5000): Promise<number> {
    return this.until(() => this.closeCode, timeoutMs, "the connection to close");
  }

  close(): void {
    this.socket.terminate();
  }

  private async until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

export function errorOf(frame: Frame): { code: ErrorCode; message: string; retryAfterMs: number } {
  if (frame.body?.$case !== "error") throw new Error(`expected an error frame, got ${frame.body?.$case}`);
  return frame.body.value;
}

export function sdkClient(server: PresenceServer, userId: string, options: Partial<PresenceClientOptions> = {}): PresenceClient {
  return new PresenceClient({ url: server.url, userId, token: () => tokenFor(userId), platform: Platform.PLATFORM_WEB, reconnect: false, ...options });
}

/** Resolves when `probe` returns a value, polling every 10 ms. */
export async function eventually<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, what = "a condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
