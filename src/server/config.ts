// The reference server's configuration: defaults that work out of the box,
// overridden by a JSON file, overridden by environment variables.
import { readFileSync } from "node:fs";
import { ConfigError } from "../codec/errors.js";
import type { AppConfigInput, Plan } from "../engine/index.js";
import { SPEC_LIMITS, type LimitsConfig } from "../protocol/index.js";
import { DEV_SECRET, MIN_SECRET_LENGTH } from "../token/token.js";
import type { LogLevel } from "./log.js";

export interface ServerConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The WebSocket endpoint's path. */
  path: string;
  /** HMAC-SHA256 secret for login tokens (at least MIN_SECRET_LENGTH characters). */
  secret: string;
  /** True when `secret` is the built-in development secret. */
  devSecret: boolean;
  app: AppConfigInput;
  /** Friends per user, for friend auto-notification (the in-memory friends source). */
  friends: Record<string, string[]>;
  /** User ids that exist before they ever log in (others exist from their first login). */
  users: string[];
  logLevel: LogLevel;
  /** A connection whose unsent output exceeds this is closed (a client that does not read). */
  maxBufferedBytes: number;
  /** WebSocket connections admitted at most; 0: the descriptor limit minus a reserve (admission.ts). */
  maxConnections: number;
  /** Event-loop lag (ms) past which new logins and queries are refused (overload.ts); 0: never. */
  maxEventLoopLagMs: number;
}

/**
 * Out of the box the reference server is a development server: premium plan
 * and the feature switch on, so every operation can be tried.
 */
export function defaultServerConfig(): ServerConfig {
  return {
    host: "127.0.0.1",
    port: 8080,
    path: "/presence",
    secret: DEV_SECRET,
    devSecret: true,
    app: { plan: "premium", featureEnabled: true, friendAutoNotify: false },
    friends: {},
    users: [],
    logLevel: "info",
    maxBufferedBytes: 1024 * 1024,
    maxConnections: 0,
    maxEventLoopLagMs: 200,
  };
}

type FileConfig = Partial<Omit<ServerConfig, "devSecret" | "app">> & { app?: AppConfigInput };

const LIMIT_ENV_PREFIX = "PRESENCE_LIMIT_";

function envName(limit: string): string {
  return LIMIT_ENV_PREFIX + limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

function parseBool(name: string, value: string): boolean {
  if (/^(1|true|on|yes)$/i.test(value)) return true;
  if (/^(0|false|off|no)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got ${value}`);
}

function parseInteger(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${name} must be an integer in ${min}..${max}, got ${value}`);
  return n;
}

function parsePlan(name: string, value: string): Plan {
  if (value !== "basic" && value !== "premium") throw new ConfigError(`${name} must be basic or premium, got ${value}`);
  return value;
}

/**
 * Builds the configuration: defaults, then the JSON file (PRESENCE_CONFIG or
 * `file`), then environment variables PRESENCE_HOST, PRESENCE_PORT,
 * PRESENCE_SECRET, PRESENCE_PLAN, PRESENCE_FEATURE_ENABLED,
 * PRESENCE_FRIEND_AUTO_NOTIFY, PRESENCE_LOG_LEVEL and PRESENCE_LIMIT_<NAME>
 * (e.g. PRESENCE_LIMIT_HEARTBEAT_TIMEOUT_MS).
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, file = env.PRESENCE_CONFIG): ServerConfig {
  const config = defaultServerConfig();
  if (file) {
    let parsed: FileConfig;
    try {
      parsed = JSON.parse(readFileSync(file, "utf8")) as FileConfig;
    } catch (cause) {
      throw new ConfigError(`cannot read config file ${file}: ${String(cause)}`, { cause });
    }
    const { app, ...rest } = parsed;
    Object.assign(config, rest);
    config.app = { ...config.app, ...app, limits: { ...config.app.limits, ...app?.limits } };
    if (rest.secret !== undefined) config.devSecret = false;
  }
  const limits: Partial<LimitsConfig> = { ...config.app.limits };
  if (env.PRESENCE_HOST) config.host = env.PRESENCE_HOST;
  if (env.PRESENCE_PORT) config.port = parseInteger("PRESENCE_PORT", env.PRESENCE_PORT, 0, 65535);
  if (env.PRESENCE_SECRET) {
    config.secret = env.PRESENCE_SECRET;
    config.devSecret = false;
  }
  if (env.PRESENCE_PLAN) config.app.plan = parsePlan("PRESENCE_PLAN", env.PRESENCE_PLAN);
  if (env.PRESENCE_FEATURE_ENABLED) config.app.featureEnabled = parseBool("PRESENCE_FEATURE_ENABLED", env.PRESENCE_FEATURE_ENABLED);
  if (env.PRESENCE_FRIEND_AUTO_NOTIFY) config.app.friendAutoNotify = parseBool("PRESENCE_FRIEND_AUTO_NOTIFY", env.PRESENCE_FRIEND_AUTO_NOTIFY);
  if (env.PRESENCE_LOG_LEVEL) {
    const level = env.PRESENCE_LOG_LEVEL;
    if (!["debug", "info", "warn", "error"].includes(level)) throw new ConfigError(`PRESENCE_LOG_LEVEL must be debug, info, warn or error`);
    config.logLevel = level as LogLevel;
  }
  for (const key of Object.keys(SPEC_LIMITS) as (keyof LimitsConfig)[]) {
    const value = env[envName(key)];
    if (value !== undefined) limits[key] = parseInteger(envName(key), value, 1, 0xffffffff);
  }
  config.app = { ...config.app, limits };
  if (config.secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`the secret must be at least ${MIN_SECRET_LENGTH} characters`);
  if (env.NODE_ENV === "production" && config.devSecret) {
    throw new ConfigError("set PRESENCE_SECRET: the development secret is refused when NODE_ENV=production");
  }
  return config;
}
