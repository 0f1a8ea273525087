// The options a PresenceClient is created with, and their defaults.
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { ConfigError } from "../codec/errors.js";
import type { ClientLogger, LogLevel } from "./log.js";
import type { WebSocketConstructor } from "./socket.js";

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
  /** Where the client logs what it does (e.g. `console`). Default: nowhere. */
  logger?: ClientLogger;
  /** The least severe level logged. Default "info"; "debug" adds every frame sent and received. */
  logLevel?: LogLevel;
}

export type ReconnectPolicy = Required<ReconnectOptions>;

/** The options with every default filled in; `reconnect` is undefined when reconnecting is off. */
export interface ResolvedOptions extends Required<Omit<PresenceClientOptions, "webSocket" | "reconnect" | "logger">> {
  webSocket: WebSocketConstructor | undefined;
  logger: ClientLogger | undefined;
  reconnect: ReconnectPolicy | undefined;
}

export function resolveOptions(options: PresenceClientOptions): ResolvedOptions {
  if (!options.url) throw new ConfigError("url is required");
  if (!options.userId) throw new ConfigError("userId is required");
  const reconnect = typeof options.reconnect === "object" ? options.reconnect : {};
  return {
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
    logger: options.logger,
    logLevel: options.logLevel ?? "info",
    reconnect:
      options.reconnect === false
        ? undefined
        : {
            initialDelayMs: reconnect.initialDelayMs ?? 500,
            maxDelayMs: reconnect.maxDelayMs ?? 30_000,
            maxAttempts: reconnect.maxAttempts ?? Number.POSITIVE_INFINITY,
          },
  };
}

function randomDeviceId(): string {
  const bytes = new Uint8Array(8);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
