// The reference server's configuration: defaults that work out of the box,
// overridden by a JSON file, overridden by environment variables. One zod
// schema checks both: an unknown key, a wrong type or a value out of range is
// refused at start with an error naming the key (or variable) and what is allowed.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ConfigError } from "../codec/errors.js";
import type { AppConfigInput } from "../engine/index.js";
import { SPEC_LIMITS, type LimitsConfig } from "../protocol/index.js";
import { DEV_SECRET, MIN_SECRET_LENGTH } from "../token/token.js";
import { LIMIT_NAMES, appSchema, applyHeartbeatRule, firstProblem } from "../admin/settings-schema.js";
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
  /**
   * Unsent output above which a connection's notifications are held, only the latest status of
   * each user, until its socket drains (a client that does not keep up). At most maxBufferedBytes.
   */
  slowConsumerBytes: number;
  /**
   * How long a connection's notifications may wait to leave together, in ms: fewer writes per
   * notification for that much more latency. 0: until the end of the turn of the event loop they
   * arose in. Answers never wait.
   */
  notificationFlushMs: number;
  /** The key of the admin API and console; without one they are off. */
  adminKey: string | undefined;
  /** Origins (`https://app.example.com`) whose browser pages may open the WebSocket; undefined allows any. */
  allowedOrigins: string[] | undefined;
  /** The shared store of cluster mode (redis:// or rediss://); undefined runs one node in memory. */
  redisUrl: string | undefined;
  /** This node's name among the nodes sharing a store; undefined lets the server pick one. */
  nodeId: string | undefined;
  /** How long a node's lease in the shared store lasts without renewal. */
  leaseTtlMs: number;
  /** Cluster mode: the prefix of every Redis key and channel, so several clusters can share one Redis. */
  clusterKeyPrefix: string;
  /** WebSocket connections admitted at most; 0: the descriptor limit minus a reserve (admission.ts). */
  maxConnections: number;
  /** Event-loop lag (ms) past which new logins and queries are refused (overload.ts); 0: never. */
  maxEventLoopLagMs: number;
}

/** Shortest admin key accepted: it guards every user's presence. */
export const MIN_ADMIN_KEY_LENGTH = 16;

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
    slowConsumerBytes: 64 * 1024,
    // A few ms of waiting lets a write carry several notifications: less CPU and a lower p99 under load (docs/load.md).
    notificationFlushMs: 8,
    adminKey: undefined,
    allowedOrigins: undefined,
    redisUrl: undefined,
    nodeId: undefined,
    leaseTtlMs: 10_000,
    clusterKeyPrefix: "presence:",
    maxConnections: 0,
    maxEventLoopLagMs: 200,
  };
}

const origin = z.string().refine((value) => URL.canParse(value) && new URL(value).origin === value, "an origin is scheme://host[:port], no path or trailing slash");
const redisUrl = z.string().refine((value) => URL.canParse(value) && /^rediss?:$/.test(new URL(value).protocol), "a redis:// or rediss:// URL");

const fileSchema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    path: z.string().startsWith("/"),
    secret: z.string().min(MIN_SECRET_LENGTH),
    app: appSchema,
    friends: z.record(z.string().min(1), z.array(z.string().min(1))),
    users: z.array(z.string().min(1)),
    logLevel: z.enum(["debug", "info", "warn", "error"]),
    maxBufferedBytes: z.number().int().min(1024),
    slowConsumerBytes: z.number().int().min(1024),
    notificationFlushMs: z.number().int().min(0).max(100),
    adminKey: z.string().min(MIN_ADMIN_KEY_LENGTH),
    allowedOrigins: z.array(origin).min(1),
    redisUrl,
    nodeId: z.string().min(1).max(128),
    leaseTtlMs: z.number().int().min(1000).max(15_000),
    clusterKeyPrefix: z.string().max(64),
    maxConnections: z.number().int().min(0),
    maxEventLoopLagMs: z.number().int().min(0),
  })
  .partial();

type FileConfig = z.infer<typeof fileSchema>;
const FILE_KEYS = Object.keys(fileSchema.shape);

type EnvKind = "string" | "integer" | "boolean" | "list";
/** Each environment variable, the config key it sets (a dotted path) and how its text is read. */
const ENV: [name: string, key: string, kind: EnvKind][] = [
  ["PRESENCE_HOST", "host", "string"],
  ["PRESENCE_PORT", "port", "integer"],
  ["PRESENCE_SECRET", "secret", "string"],
  ["PRESENCE_PLAN", "app.plan", "string"],
  ["PRESENCE_FEATURE_ENABLED", "app.featureEnabled", "boolean"],
  ["PRESENCE_FRIEND_AUTO_NOTIFY", "app.friendAutoNotify", "boolean"],
  ["PRESENCE_LOG_LEVEL", "logLevel", "string"],
  ["PRESENCE_NOTIFICATION_FLUSH_MS", "notificationFlushMs", "integer"],
  ["PRESENCE_ADMIN_KEY", "adminKey", "string"],
  ["PRESENCE_ALLOWED_ORIGINS", "allowedOrigins", "list"],
  ["PRESENCE_REDIS_URL", "redisUrl", "string"],
  ["PRESENCE_NODE_ID", "nodeId", "string"],
  ["PRESENCE_LEASE_TTL_MS", "leaseTtlMs", "integer"],
  ...LIMIT_NAMES.map((limit): [string, string, EnvKind] => [`PRESENCE_LIMIT_${limit.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, `app.limits.${limit}`, "integer"]),
];

/** The variable's text as the schema's type; text that does not read as one stays text, for the schema to refuse. */
function readEnvValue(kind: EnvKind, text: string): unknown {
  if (kind === "integer") return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
  if (kind === "boolean") return /^(1|true|on|yes)$/i.test(text) ? true : /^(0|false|off|no)$/i.test(text) ? false : text;
  if (kind === "list") return text.split(",").map((item) => item.trim()).filter(Boolean);
  return text;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys.at(-1)!] = value;
}

/** Keys allowed where zod found an unknown one. */
function allowedKeysAt(path: PropertyKey[]): readonly string[] {
  if (path.length === 0) return FILE_KEYS;
  if (path.join(".") === "app") return Object.keys(appSchema.shape);
  if (path.join(".") === "app.limits") return LIMIT_NAMES;
  return [];
}

function checked(input: unknown, source: string, nameOf: (field: string) => string = (field) => field): FileConfig {
  const parsed = fileSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const { field, message } = firstProblem(parsed.error, allowedKeysAt);
  throw new ConfigError(`${source}: ${nameOf(field)}: ${message}`);
}

function readFile(file: string): FileConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${file}: ${String(cause)}`, { cause });
  }
  return checked(parsed, `config file ${file}`);
}

function readEnv(env: NodeJS.ProcessEnv): FileConfig {
  const input: Record<string, unknown> = {};
  for (const [name, key, kind] of ENV) {
    const text = env[name];
    if (text) setPath(input, key, readEnvValue(kind, text));
  }
  const envName = (field: string) => {
    const entry = ENV.find(([, key]) => key === field || field.startsWith(`${key}.`));
    return entry ? `${entry[0]} (${field}, got ${JSON.stringify(env[entry[0]])})` : field;
  };
  return checked(input, "environment", envName);
}

/**
 * Builds the configuration: defaults, then the JSON file (PRESENCE_CONFIG or
 * `file`), then environment variables (PRESENCE_HOST, PRESENCE_PORT, ... and
 * PRESENCE_LIMIT_<NAME>, e.g. PRESENCE_LIMIT_HEARTBEAT_TIMEOUT_MS; docs/server.md
 * lists them). Throws ConfigError naming the key at fault.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env, file = env.PRESENCE_CONFIG): ServerConfig {
  const config = defaultServerConfig();
  const sources = [...(file ? [readFile(file)] : []), readEnv(env)];
  const limits: Partial<LimitsConfig> = {};
  for (const { app, ...rest } of sources) {
    Object.assign(config, rest);
    if (rest.secret !== undefined) config.devSecret = false;
    const { limits: appLimits, ...switches } = app ?? {};
    config.app = { ...config.app, ...switches };
    Object.assign(limits, appLimits);
  }
  const ruled = applyHeartbeatRule(limits, SPEC_LIMITS);
  if ("problem" in ruled) throw new ConfigError(`app.limits.${ruled.problem.field}: ${ruled.problem.message}`);
  config.app.limits = ruled.limits;
  if (env.NODE_ENV === "production" && config.devSecret) {
    throw new ConfigError("set PRESENCE_SECRET: the development secret is refused when NODE_ENV=production");
  }
  return config;
}
