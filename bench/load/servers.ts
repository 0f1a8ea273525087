// The servers a load run starts: one reference server in memory, or a local
// cluster (a redis-server of its own and N nodes sharing it). Each server is
// bench/load/server-process.ts, configured through a JSON file as `npm start`
// is, answering the orchestrator's questions about its memory and CPU. Every
// process is stopped by PID on the way out.
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { startLocalRedis, type LocalRedis } from "../../scripts/local-redis.js";
import { RpcClient } from "./rpc.js";

export interface ServerStats {
  rssBytes: number;
  /** Of the RSS, the JavaScript heap in use (garbage not yet collected included). */
  heapUsedBytes: number;
  cpuUs: number;
  /** User CPU only: without the system calls. */
  userCpuUs: number;
  connections: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  writeSyscalls: number | null;
}

export interface StartedServer {
  readonly rpc: RpcClient;
  readonly url: string;
  readonly pid: number;
  /** The last lines it logged. */
  readonly log: string[];
}

export interface RedisStats {
  /** used_memory minus used_memory_startup: what the data takes. */
  memoryBytes: number;
  /** CPU time of the main thread and its children so far. */
  cpuUs: number;
}

export interface ServerSet {
  readonly servers: StartedServer[];
  /** The local cluster's Redis, when there is one. */
  readonly redis: { readonly url: string; readonly pid: number; stats(): Promise<RedisStats> } | undefined;
  /** Every server's figures, in start order; undefined for one that did not answer within a minute (its event loop stalled). */
  stats(): Promise<(ServerStats | undefined)[]>;
  /** Kills whatever still runs (redis-server included). */
  kill(): Promise<void>;
}

const tsx = { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "pipe", "ipc"] as ("ignore" | "inherit" | "pipe" | "ipc")[] };

/** One reference server in its own process; `env` adds to its environment (a Redis URL, a node id). */
async function startServer(config: object, env: Record<string, string>): Promise<StartedServer> {
  const configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "presence-load-")), "presence.json");
  fs.writeFileSync(configFile, JSON.stringify(config));
  const child = fork(path.join(import.meta.dirname, "server-process.ts"), [], {
    ...tsx,
    env: { ...process.env, PRESENCE_CONFIG: configFile, PRESENCE_PORT: "0", PRESENCE_HOST: "127.0.0.1", ...env },
  });
  started.push(child);
  const log: string[] = [];
  child.stderr?.on("data", (chunk: Buffer) => {
    log.push(...chunk.toString().split("\n").filter(Boolean));
    log.splice(0, Math.max(0, log.length - 20));
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the server did not listen within 30 s")), 30_000);
    child.once("exit", (code) => reject(new Error(`the server exited (${code}): ${log.join("\n")}`)));
    child.on("message", (message: { listening?: string }) => {
      if (message.listening === undefined) return;
      clearTimeout(timer);
      resolve(message.listening);
    });
  });
  return { rpc: new RpcClient(child, env.PRESENCE_NODE_ID ?? "server"), url, pid: child.pid!, log };
}

const started: ChildProcess[] = [];

/** Kills every server process started so far (SIGKILL, by PID); for the run's time bound. */
export function killStartedServers(): void {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/**
 * `nodes` 0: one server in memory. `nodes` N: a redis-server (no persistence:
 * the run measures memory and round trips, not the disk) and N nodes on it,
 * the first started alone (it writes the cluster's settings), the rest at once.
 */
export async function startServers(nodes: number, config: object): Promise<ServerSet> {
  let redis: LocalRedis | undefined;
  const servers: StartedServer[] = [];
  const set: ServerSet = {
    servers,
    redis: undefined,
    stats: () => Promise.all(servers.map((s) => s.rpc.call<ServerStats>("stats", null, 60_000).catch(() => undefined))),
    async kill() {
      killStartedServers();
      await redis?.stop();
    },
  };
  try {
    if (nodes === 0) {
      servers.push(await startServer(config, {}));
      return set;
    }
    redis = await startLocalRedis({ persistence: false });
    const url = redis.url;
    const pid = redis.pid;
    const node = (i: number) => startServer(config, { PRESENCE_REDIS_URL: url, PRESENCE_NODE_ID: `load-${i + 1}` });
    servers.push(await node(0));
    servers.push(...(await Promise.all(Array.from({ length: nodes - 1 }, (_, i) => node(i + 1)))));
    return { ...set, redis: { url, pid, stats: () => redisStats(url) } };
  } catch (error) {
    await set.kill();
    throw error;
  }
}

async function redisStats(url: string): Promise<RedisStats> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const info = await client.info();
    const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? NaN);
    const cpuSeconds = field("used_cpu_sys") + field("used_cpu_user") + field("used_cpu_sys_children") + field("used_cpu_user_children");
    return { memoryBytes: field("used_memory") - field("used_memory_startup"), cpuUs: Math.round(cpuSeconds * 1e6) };
  } finally {
    client.disconnect();
  }
}

/** The figures of several servers as one (sums; the worst loop delay); undefined unless every server answered. */
export function combined(all: (ServerStats | undefined)[]): ServerStats | undefined {
  if (all.length === 0 || all.some((s) => s === undefined)) return undefined;
  const stats = all as ServerStats[];
  const sum = (pick: (s: ServerStats) => number) => stats.reduce((n, s) => n + pick(s), 0);
  const writes = stats.every((s) => s.writeSyscalls !== null) ? sum((s) => s.writeSyscalls!) : null;
  return {
    rssBytes: sum((s) => s.rssBytes),
    heapUsedBytes: sum((s) => s.heapUsedBytes),
    cpuUs: sum((s) => s.cpuUs),
    userCpuUs: sum((s) => s.userCpuUs),
    connections: sum((s) => s.connections),
    loopDelayMaxMs: Math.max(...stats.map((s) => s.loopDelayMaxMs)),
    loopDelayP99Ms: Math.max(...stats.map((s) => s.loopDelayP99Ms)),
    writeSyscalls: writes,
  };
}
