// The configuration schema: file and environment checked by one schema, errors naming the key.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/codec/errors.js";
import { loadServerConfig } from "../../src/server/config.js";

const dir = mkdtempSync(join(tmpdir(), "presence-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function fromFile(content: unknown, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, `config-${files++}.json`);
  writeFileSync(file, JSON.stringify(content));
  return loadServerConfig(env, file);
}

function refusal(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error("the configuration was accepted");
}

describe("the config file", () => {
  it("refuses an unknown key, naming it and the keys allowed", () => {
    expect(refusal(() => fromFile({ prot: 9000 }))).toMatch(/: prot: unknown key; allowed: host, port, path, secret, app,/);
    expect(refusal(() => fromFile({ app: { limits: { maxQueryUser: 5 } } }))).toMatch(/app\.limits\.maxQueryUser: unknown key; allowed: maxQueryUsers,/);
  });

  it("refuses the plan gold, a port as text and a port out of range", () => {
    expect(refusal(() => fromFile({ app: { plan: "gold" } }))).toMatch(/app\.plan: .*"basic"\|"premium"/);
    expect(refusal(() => fromFile({ port: "9000" }))).toMatch(/: port: .*expected number/);
    expect(refusal(() => fromFile({ port: 70000 }))).toMatch(/: port: .*65535/);
    expect(refusal(() => fromFile({ app: { limits: { maxQueryUsers: 0 } } }))).toMatch(/app\.limits\.maxQueryUsers: /);
  });

  it("accepts the example of docs/server.md, with an interval derived from its 60 s timeout", () => {
    const example = /Example `presence.json`:\n\n```json\n(.*)\n```/.exec(readFileSync("docs/server.md", "utf8"))![1]!;
    const config = fromFile(JSON.parse(example));
    expect(config).toMatchObject({ port: 9000, devSecret: false, friends: { alice: ["bob"] } });
    expect(config.app.limits).toEqual({ heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 18_000 });
  });

  it("derives the heartbeat interval from a timeout given alone (the spec's proportion)", () => {
    expect(fromFile({ app: { limits: { heartbeatTimeoutMs: 60_000 } } }).app.limits).toEqual({ heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 18_000 });
  });

  it("refuses a heartbeat interval above a third of the timeout", () => {
    const message = refusal(() => fromFile({ app: { limits: { heartbeatTimeoutMs: 60_000, heartbeatIntervalMs: 20_001 } } }));
    expect(message).toMatch(/app\.limits\.heartbeatIntervalMs: .*at most a third/);
    expect(refusal(() => fromFile({ app: { limits: { heartbeatIntervalMs: 200_000 } } }))).toMatch(/heartbeatIntervalMs/);
  });

  it("checks the cluster keys: a redis URL, a node id, a lease of 1 to 15 s", () => {
    const config = fromFile({ redisUrl: "rediss://cache.internal:6380/0", nodeId: "node-a", leaseTtlMs: 5000 });
    expect(config).toMatchObject({ redisUrl: "rediss://cache.internal:6380/0", nodeId: "node-a", leaseTtlMs: 5000 });
    expect(fromFile({}).leaseTtlMs).toBe(10_000);
    expect(refusal(() => fromFile({ redisUrl: "http://cache:6379" }))).toMatch(/redisUrl: a redis:\/\/ or rediss:\/\/ URL/);
    expect(refusal(() => fromFile({ leaseTtlMs: 999 }))).toMatch(/leaseTtlMs/);
    expect(refusal(() => fromFile({ nodeId: "" }))).toMatch(/nodeId/);
  });

  it("checks the admin key's length and each allowed origin", () => {
    expect(refusal(() => fromFile({ adminKey: "short" }))).toMatch(/adminKey: .*16/);
    expect(refusal(() => fromFile({ allowedOrigins: ["https://app.example.com/"] }))).toMatch(/allowedOrigins\.0: an origin is/);
    expect(fromFile({ allowedOrigins: ["https://app.example.com", "http://localhost:3000"] }).allowedOrigins).toEqual(["https://app.example.com", "http://localhost:3000"]);
  });
});

describe("the environment", () => {
  it("sets every key it always could, and the new ones", () => {
    const config = loadServerConfig({
      PRESENCE_HOST: "0.0.0.0",
      PRESENCE_PORT: "9000",
      PRESENCE_SECRET: "a-long-random-secret-value",
      PRESENCE_PLAN: "basic",
      PRESENCE_FEATURE_ENABLED: "off",
      PRESENCE_FRIEND_AUTO_NOTIFY: "yes",
      PRESENCE_LOG_LEVEL: "warn",
      PRESENCE_LIMIT_MAX_QUERY_USERS: "100",
      PRESENCE_ADMIN_KEY: "admin-key-0123456789abcdef",
      PRESENCE_ALLOWED_ORIGINS: "https://a.example, https://b.example",
      PRESENCE_REDIS_URL: "redis://localhost:6379",
      PRESENCE_NODE_ID: "n1",
      PRESENCE_LEASE_TTL_MS: "15000",
      PRESENCE_NOTIFICATION_FLUSH_MS: "8",
    });
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 9000,
      devSecret: false,
      logLevel: "warn",
      app: { plan: "basic", featureEnabled: false, friendAutoNotify: true, limits: { maxQueryUsers: 100 } },
      adminKey: "admin-key-0123456789abcdef",
      allowedOrigins: ["https://a.example", "https://b.example"],
      redisUrl: "redis://localhost:6379",
      nodeId: "n1",
      leaseTtlMs: 15_000,
      notificationFlushMs: 8,
    });
  });

  it("refuses a bad value naming the variable and what it got", () => {
    expect(refusal(() => loadServerConfig({ PRESENCE_PORT: "70000" }))).toMatch(/^environment: PRESENCE_PORT \(port, got "70000"\): /);
    expect(refusal(() => loadServerConfig({ PRESENCE_PORT: "nine" }))).toMatch(/PRESENCE_PORT .*expected number/);
    expect(refusal(() => loadServerConfig({ PRESENCE_FEATURE_ENABLED: "maybe" }))).toMatch(/PRESENCE_FEATURE_ENABLED .*expected boolean/);
    expect(refusal(() => loadServerConfig({ PRESENCE_LIMIT_MAX_QUERY_USERS: "0" }))).toMatch(/PRESENCE_LIMIT_MAX_QUERY_USERS \(app\.limits\.maxQueryUsers/);
    expect(refusal(() => loadServerConfig({ PRESENCE_LEASE_TTL_MS: "20000" }))).toMatch(/PRESENCE_LEASE_TTL_MS/);
    expect(refusal(() => loadServerConfig({ PRESENCE_REDIS_URL: "localhost:6379" }))).toMatch(/PRESENCE_REDIS_URL/);
    expect(refusal(() => loadServerConfig({ PRESENCE_NOTIFICATION_FLUSH_MS: "101" }))).toMatch(/PRESENCE_NOTIFICATION_FLUSH_MS \(notificationFlushMs/);
  });

  it("overrides the file, and the heartbeat rule sees both", () => {
    const config = fromFile({ port: 9000, app: { limits: { heartbeatTimeoutMs: 90_000 } } }, { PRESENCE_PORT: "9001", PRESENCE_LIMIT_HEARTBEAT_INTERVAL_MS: "30000" });
    expect(config.port).toBe(9001);
    expect(config.app.limits).toEqual({ heartbeatTimeoutMs: 90_000, heartbeatIntervalMs: 30_000 });
  });

  it("refuses the development secret in production", () => {
    expect(refusal(() => loadServerConfig({ NODE_ENV: "production" }))).toMatch(/PRESENCE_SECRET/);
    expect(loadServerConfig({ NODE_ENV: "production", PRESENCE_SECRET: "a-long-random-secret-value" }).devSecret).toBe(false);
  });
});
