// npm run bench:cluster [-- --connections 10000] [-- --writers 1000] [-- --subscriptions 10]
//                       [-- --rate 100] [-- --duration 10000] [-- --generators 2] [-- --queries 300]
//
// Cross-node fan-out next to single-node, in the same run, on loopback: the
// same clients (writers changing their custom status at --rate changes/s,
// receivers each subscribed to --subscriptions writers) against one node in
// memory, then against three nodes sharing a redis-server of the run's own,
// clients spread round-robin over the nodes (so most notifications cross
// nodes). Each topology runs in fresh processes: the nodes, Redis, and
// --generators load generator processes holding the connections. Reports
// per topology the notifications expected, delivered and lost, their latency
// (send to receipt) p50/p90/p99/max, the 500-user query's latency, and the
// CPU the nodes and Redis spent; then the Redis round trips per operation
// (bench/cluster/round-trips.ts). Writes bench/results/cluster.json.
import { fork, spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startLocalRedis, type LocalRedis } from "../../scripts/local-redis.js";
import { startNodeProcess, type NodeProcess } from "../../scripts/node-process.js";
import type { FromGenerator, Setup, ToGenerator } from "./generator.js";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "10000" },
    writers: { type: "string", default: "1000" },
    subscriptions: { type: "string", default: "10" },
    rate: { type: "string", default: "100" },
    duration: { type: "string", default: "10000" },
    generators: { type: "string", default: "2" },
    queries: { type: "string", default: "300" },
    out: { type: "string", default: fileURLToPath(new URL("../results/cluster.json", import.meta.url)) },
  },
});
const integer = (name: keyof typeof values, min: number, max: number): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got ${values[name]}`);
  return n;
};
const CONNECTIONS = integer("connections", 2, 18_000);
const WRITERS = integer("writers", 1, CONNECTIONS - 1);
const SUBSCRIPTIONS = integer("subscriptions", 1, Math.min(100, WRITERS));
const RATE = integer("rate", 1, 100_000);
const DURATION_MS = integer("duration", 1000, 600_000);
const GENERATORS = integer("generators", 1, 8);
const QUERIES = integer("queries", 0, 100_000);
const SECRET = "cluster-bench-secret-0123456789";
const root = fileURLToPath(new URL("../..", import.meta.url));

// A fixed social graph: receiver r subscribes to writers r, r+1, ... (mod writers), so every writer has the same number of subscribers.
const writers = Array.from({ length: WRITERS }, (_, i) => `w${i}`);
const receivers = Array.from({ length: CONNECTIONS - WRITERS }, (_, r) => ({
  userId: `r${r}`,
  subscribesTo: Array.from({ length: SUBSCRIPTIONS }, (_, k) => writers[(r + k) % WRITERS]!),
}));
const subscribersOf = new Map<string, number>();
for (const r of receivers) for (const w of r.subscribesTo) subscribersOf.set(w, (subscribersOf.get(w) ?? 0) + 1);
const queryIds = Array.from({ length: 500 }, (_, i) => writers[i % WRITERS]!);

interface TopologyResult {
  topology: string;
  nodes: number;
  connections: number;
  changes: number;
  expected: number;
  delivered: number;
  lost: number;
  notificationsPerSecond: number;
  latencyMs: Distribution;
  queryLatencyMs: Distribution | undefined;
  nodeCpuMs: number;
  redisCpuMs: number | undefined;
  /** Redis memory per logged-in connection (records, lists, reverse index, rate windows), after the setup. */
  redisBytesPerConnection: number | undefined;
  /** Redis commands per status change during the run, by command (publishes: messages between nodes). */
  redisCommandsPerChange: Record<string, number> | undefined;
}

interface Distribution {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

function distribution(samples: number[]): Distribution {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted[sorted.length - 1] ?? NaN) };
}
const round = (n: number) => Math.round(n * 100) / 100;

/** CPU time (user + system) a process has used, in ms, from /proc. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / Number(spawnSync("getconf", ["CLK_TCK"]).stdout.toString().trim() || 100);
}

/** Redis's memory for data (used_memory minus its own baseline of an empty instance, ~0.9 MB). */
async function usedMemory(url: string): Promise<number> {
  const client = new Redis(url);
  try {
    const info = await client.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(info)?.[1]);
    const startup = Number(/used_memory_startup:(\d+)/.exec(info)?.[1]);
    return used - startup;
  } finally {
    client.disconnect();
  }
}

/** Calls per Redis command so far (INFO commandstats). */
async function commandCalls(url: string): Promise<Record<string, number>> {
  const client = new Redis(url);
  try {
    const info = await client.info("commandstats");
    return Object.fromEntries([...info.matchAll(/cmdstat_([a-z|]+):calls=(\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  } finally {
    client.disconnect();
  }
}

async function topology(name: string, nodeCount: number): Promise<TopologyResult> {
  const dir = mkdtempSync(join(tmpdir(), "presence-cluster-bench-"));
  const configFile = join(dir, "config.json");
  // The query phase sends queries back to back: the rate limit would measure itself.
  writeFileSync(configFile, JSON.stringify({ users: writers, app: { limits: { rateLimitRequests: 1_000_000 } } }));
  let redis: LocalRedis | undefined;
  const nodes: NodeProcess[] = [];
  const generators: ReturnType<typeof fork>[] = [];
  try {
    redis = nodeCount > 1 ? await startLocalRedis() : undefined;
    const env: Record<string, string> = { PRESENCE_SECRET: SECRET, PRESENCE_CONFIG: configFile, PRESENCE_LOG_LEVEL: "error" };
    if (redis) env.PRESENCE_REDIS_URL = redis.url;
    for (let i = 0; i < nodeCount; i++) nodes.push(await startNodeProcess(env));
    const urls = nodes.map((node) => node.url);
    for (let g = 0; g < GENERATORS; g++) generators.push(fork(join(root, "bench/cluster/generator.ts"), [], { execArgv: ["--import", "tsx"], cwd: root }));
    const ask = <K extends FromGenerator["kind"]>(g: number, message: ToGenerator, kind: K) =>
      new Promise<Extract<FromGenerator, { kind: K }>>((resolve, reject) => {
        const child = generators[g]!;
        const onExit = (code: number | null) => reject(new Error(`generator ${g} exited with ${code}`));
        child.once("exit", onExit);
        child.on("message", function onMessage(reply: FromGenerator) {
          if (reply.kind !== kind) return;
          child.off("message", onMessage);
          child.off("exit", onExit);
          resolve(reply as Extract<FromGenerator, { kind: K }>);
        });
        child.send(message);
      });
    const share = <T>(items: T[], g: number) => items.filter((_, i) => i % GENERATORS === g);
    await Promise.all(generators.map((_, g) => ask(g, { cmd: "setup", setup: { urls, secret: SECRET, writers: share(writers, g), receivers: share(receivers, g) } satisfies Setup }, "ready")));

    const redisBytesPerConnection = redis ? Math.round((await usedMemory(redis.url)) / CONNECTIONS) : undefined;
    const commandsBefore = redis ? await commandCalls(redis.url) : undefined;
    const cpuBefore = nodes.map((node) => cpuMs(node.pid));
    const redisBefore = redis ? cpuMs(redis.pid) : 0;
    const startedAt = Date.now();
    const runs = await Promise.all(generators.map((_, g) => ask(g, { cmd: "run", changesPerSecond: RATE / GENERATORS, durationMs: DURATION_MS }, "ran")));
    const elapsedS = (Date.now() - startedAt - 3000) / 1000;
    const nodeCpuMs = nodes.reduce((sum, node, i) => sum + cpuMs(node.pid) - cpuBefore[i]!, 0);
    const redisCpuMs = redis ? cpuMs(redis.pid) - redisBefore : undefined;
    const commandsAfter = redis ? await commandCalls(redis.url) : undefined;
    let changes = 0;
    let expected = 0;
    for (const run of runs) for (const [writer, count] of Object.entries(run.changes)) {
      changes += count;
      expected += count * (subscribersOf.get(writer) ?? 0);
    }
    const delivered = runs.reduce((sum, run) => sum + run.received, 0);
    const latencies = runs.flatMap((run) => run.latenciesMs);
    const queried = QUERIES > 0 ? await ask(0, { cmd: "query", count: QUERIES, userIds: queryIds }, "queried") : undefined;
    return {
      topology: name,
      nodes: nodeCount,
      connections: CONNECTIONS,
      changes,
      expected,
      delivered,
      lost: expected - delivered,
      notificationsPerSecond: Math.round(delivered / elapsedS),
      latencyMs: distribution(latencies),
      queryLatencyMs: queried ? distribution(queried.latenciesMs.slice(Math.floor(QUERIES / 5))) : undefined,
      nodeCpuMs: Math.round(nodeCpuMs),
      redisCpuMs: redisCpuMs === undefined ? undefined : Math.round(redisCpuMs),
      redisBytesPerConnection,
      redisCommandsPerChange:
        commandsBefore && commandsAfter
          ? Object.fromEntries(
              Object.entries(commandsAfter)
                .map(([command, calls]) => [command, round((calls - (commandsBefore[command] ?? 0)) / Math.max(1, changes))] as const)
                .filter(([, perChange]) => perChange > 0),
            )
          : undefined,
    };
  } finally {
    for (const child of generators) child.kill("SIGKILL");
    await Promise.all(nodes.map((node) => node.kill("SIGKILL")));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [await topology("single node, in memory", 1), await topology("3 nodes, one Redis", 3)];
const roundTrips = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench/cluster/round-trips.ts")], { cwd: root, encoding: "utf8" });
if (roundTrips.status !== 0) throw new Error(`round-trips.ts failed: ${roundTrips.stderr}`);
const output = {
  // The command that reproduces the figures (where they were written is not part of it).
  command: `npm run bench:cluster -- ${process.argv.slice(2).filter((arg, i, all) => arg !== "--out" && all[i - 1] !== "--out").join(" ")}`.replace(/ -- $/, ""),
  machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
  settings: { connections: CONNECTIONS, writers: WRITERS, subscriptionsPerReceiver: SUBSCRIPTIONS, changesPerSecond: RATE, durationMs: DURATION_MS, generators: GENERATORS },
  topologies: results,
  crossNodeP99MinusSingleMs: round(results[1]!.latencyMs.p99 - results[0]!.latencyMs.p99),
  roundTrips: JSON.parse(roundTrips.stdout) as unknown,
};
writeFileSync(values.out, JSON.stringify(output, null, 2) + "\n");
for (const r of results) {
  process.stdout.write(
    `${r.topology}: ${r.delivered}/${r.expected} notifications (${r.lost} lost), ${r.notificationsPerSecond}/s, latency ms p50 ${r.latencyMs.p50} p90 ${r.latencyMs.p90} p99 ${r.latencyMs.p99} max ${r.latencyMs.max}` +
      `${r.queryLatencyMs ? `; 500-user query ms p50 ${r.queryLatencyMs.p50} p99 ${r.queryLatencyMs.p99}` : ""}; node CPU ${r.nodeCpuMs} ms${r.redisCpuMs === undefined ? "" : `, Redis CPU ${r.redisCpuMs} ms, Redis ${r.redisBytesPerConnection} B per connection`}\n`,
  );
}
process.stdout.write(`cross-node p99 - single-node p99: ${output.crossNodeP99MinusSingleMs} ms\nround trips per operation: ${JSON.stringify(output.roundTrips)}\nwritten to ${values.out}\n`);
