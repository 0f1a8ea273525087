// npm run load [-- --quick] [-- --url ws://127.0.0.1:PORT/presence ...] [options]
//
// A node at scale, measured: starts the reference server in a child process
// (or targets the given URLs, loopback only), drives it from generator
// processes (bench/load/generator.ts) holding N logged-in, heartbeating
// connections with a social graph (bench/load/graph.ts), then steps the rate
// of status changes up until fan-out latency p99 reaches 100 ms or a
// notification is lost, then sends 500-user queries at a rate. Prints a
// summary and writes bench/results/load.json (--quick: load-quick.json, a run
// under 30 s whose figures only prove the tool works). Every phase and wait
// is bounded in count and time. Options: see USAGE below.
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { descriptorLimit } from "../../src/server/descriptors.js";
import { DEV_SECRET } from "../../src/token/token.js";
import { fanOut, friendsConfig, type GraphPlan } from "./graph.js";
import { Histogram, type HistogramData } from "./histogram.js";
import type { ProfileLine } from "./profile.js";
import { RpcClient, nowUs } from "./rpc.js";

const USAGE = `usage: npm run load -- [--quick] [--url ws://127.0.0.1:PORT/presence]... [--connections N] [--writers N]
  [--receivers N] [--subscriptions N] [--friends N] [--generators N] [--rates n1,n2,...] [--step-seconds S]
  [--query-rate N] [--query-seconds S] [--beyond N] [--profile] [--write-config FILE] [--out FILE]
  --rates are notifications/s to offer, stepped up in order; --url may repeat (users are spread over the URLs);
  --beyond N opens N connections past the planned ones, to a node that should then be full (a started server is
  configured with maxConnections = --connections, and probed with 20 by default); --profile takes a CPU profile
  of the started server over each step and its shutdown (bench/results/load-*.cpuprofile) and lists its top functions;
  a server at --url must accept the secret in PRESENCE_SECRET (or the development one), allow the request rates and
  know the plan's friends (--friends is 0 with --url unless given): --write-config FILE writes the configuration the
  plan needs (start the servers with PRESENCE_CONFIG=FILE) and exits.`;

/** Descriptors a generator keeps for itself (stdio, IPC, the runtime's own). */
const GENERATOR_RESERVE = 100;
/** Descriptors the server keeps for health checks and files; connections go up to the limit minus this. */
const SERVER_RESERVE = 500;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    url: { type: "string", multiple: true, default: [] },
    connections: { type: "string" },
    writers: { type: "string" },
    receivers: { type: "string" },
    subscriptions: { type: "string" },
    friends: { type: "string" },
    generators: { type: "string" },
    rates: { type: "string" },
    "step-seconds": { type: "string" },
    "query-rate": { type: "string" },
    "query-seconds": { type: "string" },
    beyond: { type: "string" },
    profile: { type: "boolean", default: false },
    "write-config": { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (flags.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const quick = flags.quick || process.env.LOAD_QUICK === "1";

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${value}\n${USAGE}`);
  return n;
}

for (const url of flags.url) {
  const host = new URL(url).hostname;
  if (!/^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(host)) throw new Error(`load runs target loopback only; ${url} is not`);
}

const fdLimit = descriptorLimit() ?? 1024;
const nodes = Math.max(1, flags.url.length);
const connections = intFlag("connections", flags.connections, quick ? 600 : nodes * (fdLimit - SERVER_RESERVE));
const graph: GraphPlan = {
  users: connections,
  writers: intFlag("writers", flags.writers, quick ? 50 : 1000),
  receivers: intFlag("receivers", flags.receivers, quick ? 400 : 10_000),
  subscriptionsPerReceiver: intFlag("subscriptions", flags.subscriptions, quick ? 10 : 50),
  // The servers at --url know no friends unless started with this plan's --write-config.
  friendsPerWriter: intFlag("friends", flags.friends, flags.url.length > 0 ? 0 : quick ? 2 : 5),
};
if (graph.writers + graph.receivers > connections) throw new Error(`--writers plus --receivers (${graph.writers + graph.receivers}) exceed --connections (${connections})`);
const perGenerator = fdLimit - GENERATOR_RESERVE;
const generators = Math.max(intFlag("generators", flags.generators, 2), Math.ceil(connections / perGenerator));
if (connections > nodes * (fdLimit - SERVER_RESERVE)) {
  process.stderr.write(`warning: ${connections} connections exceed ${nodes} node(s) x ${fdLimit - SERVER_RESERVE} (descriptor limit ${fdLimit} minus ${SERVER_RESERVE} in reserve)\n`);
}
const notificationRates = (flags.rates ?? (quick ? "2000,4000" : "10000,20000,35000,50000,70000,100000")).split(",").map((r) => intFlag("rates", r, 0));
const stepMs = 1000 * intFlag("step-seconds", flags["step-seconds"], quick ? 2 : 10);
const queryRate = intFlag("query-rate", flags["query-rate"], quick ? 100 : 2000);
const queryMs = 1000 * intFlag("query-seconds", flags["query-seconds"], quick ? 2 : 10);
const drainMs = quick ? 5_000 : 10_000;
const secret = process.env.PRESENCE_SECRET ?? DEV_SECRET;
const outFile = flags.out ?? path.join(import.meta.dirname, "..", "results", quick ? "load-quick.json" : "load.json");
const fanout = fanOut(graph);
const beyond = intFlag("beyond", flags.beyond, flags.url.length === 0 ? 20 : 0);

const children: ChildProcess[] = [];
const tsx = { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "pipe", "ipc"] as ("ignore" | "inherit" | "pipe" | "ipc")[] };

interface ServerStats {
  rssBytes: number;
  cpuUs: number;
  connections: number;
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  writeSyscalls: number | null;
}

/** The server configuration the plan needs: its friends, and the rate limit out of the way. */
function serverConfig() {
  return {
    logLevel: "warn",
    app: { plan: "premium", featureEnabled: true, friendAutoNotify: true, limits: { rateLimitRequests: 1_000_000_000 } },
    friends: friendsConfig(graph),
  };
}

/** The reference server in its own process, configured through a JSON file as `npm start` is. */
async function startServer(): Promise<{ rpc: RpcClient; url: string; log: string[] }> {
  const configFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "presence-load-")), "presence.json");
  // Full at exactly the planned connections, so the probe past them meets the admission limit.
  fs.writeFileSync(configFile, JSON.stringify({ ...serverConfig(), maxConnections: connections }));
  const child = fork(path.join(import.meta.dirname, "server-process.ts"), [], {
    ...tsx,
    env: { ...process.env, PRESENCE_CONFIG: configFile, PRESENCE_PORT: "0", PRESENCE_HOST: "127.0.0.1" },
  });
  children.push(child);
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
  return { rpc: new RpcClient(child, "server"), url, log };
}

function startGenerator(index: number): RpcClient {
  const child = fork(path.join(import.meta.dirname, "generator.ts"), [], tsx);
  child.stderr?.pipe(process.stderr);
  children.push(child);
  return new RpcClient(child, `generator ${index}`);
}

const ms = (us: number) => Math.round(us / 10) / 100;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
function latencyOf(data: HistogramData[]): { p50: number; p99: number; max: number; count: number } {
  const h = new Histogram();
  for (const d of data) h.merge(d);
  return { p50: ms(h.quantileUs(0.5)), p99: ms(h.quantileUs(0.99)), max: ms(h.maxUs), count: h.count };
}
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const runStart = Date.now();
  const server = flags.url.length === 0 ? await startServer() : undefined;
  const urls = server ? [server.url] : flags.url;
  const stats = () => server?.rpc.call<ServerStats>("stats", null, 30_000);
  const gens = Array.from({ length: generators }, (_, i) => startGenerator(i));
  const all = <T>(command: string, args: unknown, timeoutMs: number) => Promise.all(gens.map((g) => g.call<T>(command, args, timeoutMs)));
  await Promise.all(gens.map((g, index) => g.call("setup", { index, generators, urls, secret, graph, concurrency: quick ? 50 : 200 }, 30_000)));
  const baseline = await stats();

  // Connections: writers first, so no receiver hears a writer's login before the baseline.
  type Login = { attempted: number; loggedIn: number; ms: number; cpuUs: number; writerVersions: [number, number][] };
  const loginTimeout = 60_000 + connections * 20;
  const writerLogins = await all<Login>("login", { writers: true }, loginTimeout);
  const otherLogins = await all<Login>("login", { writers: false }, loginTimeout);
  const logins = [...writerLogins, ...otherLogins];
  const loggedIn = sum(logins.map((l) => l.loggedIn));
  const loginMs = Math.max(...writerLogins.map((l) => l.ms)) + Math.max(...otherLogins.map((l) => l.ms));
  type Subscribed = { attempted: number; subscribed: number };
  const subscribed = await all<Subscribed>("subscribe", null, loginTimeout);
  const versions = writerLogins.flatMap((l) => l.writerVersions);
  await all("baseline", { versions }, 60_000);

  // Past the maximum: refused at once, and /healthz still answers.
  type Beyond = { answers: Record<string, number>; maxMs: number };
  let admission = null;
  if (beyond > 0) {
    const healthUrl = urls[0]!.replace(/^ws/, "http").replace(/\/[^/]*$/, "/healthz");
    const healthStart = performance.now();
    const [probe, health] = await Promise.all([
      gens[0]!.call<Beyond>("beyond", { count: beyond, url: urls[0] }, 60_000),
      fetch(healthUrl).then(async (response) => ({ status: response.status, body: (await response.json()) as { status: string }, ms: performance.now() - healthStart })),
    ]);
    admission = { extra_attempted: beyond, answers: probe.answers, slowest_answer_ms: round(probe.maxMs), healthz_http_status: health.status, healthz_status: health.body.status, healthz_ms: round(health.ms) };
    process.stderr.write(`past the maximum: ${JSON.stringify(probe.answers)} within ${round(probe.maxMs)} ms; /healthz ${health.status} ${health.body.status} in ${round(health.ms)} ms\n`);
  }

  // Held, idle but for heartbeats: memory and CPU per connection.
  const holdMs = quick ? 1000 : 5000;
  const held0 = await stats();
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  const held1 = await stats();
  process.stderr.write(`${loggedIn}/${connections} connections logged in (${generators} generators), fan-out ${round(fanout)} per change\n`);

  // One unreported step at the first rate first: the JIT and the heaps warm up on both sides.
  const warmUpMs = Math.min(stepMs, 3000);
  await runStep(notificationRates[0] ?? 0, warmUpMs);
  const steps = [];
  for (const target of notificationRates) {
    const step = await runStep(target, stepMs);
    steps.push(step);
    process.stderr.write(
      `step ${target}/s offered: ${step.notifications_per_sec}/s delivered, p50 ${step.latency_ms.p50} p99 ${step.latency_ms.p99} max ${step.latency_ms.max} ms, lost ${step.lost}, reordered ${step.reordered}, server CPU ${step.server_cpu_percent}% (${step.server_cpu_us_per_notification} µs and ${step.server_write_syscalls_per_notification} writes/notification), generators ${step.generators_cpu_percent.join("/")}%\n`,
    );
    if (!step.pass) break;
  }

  /** Offers `target` notifications/s for `durationMs`, waits for the deliveries, and measures the step. */
  async function runStep(target: number, durationMs: number) {
    const changesPerSec = target / fanout;
    if (flags.profile) await server?.rpc.call("profileStart", null, 30_000);
    const s0 = await stats();
    const t0 = nowUs();
    type Step = { startUs: number; sent: number; answered: number; cpuUs: number; writerVersions: [number, number][] };
    const sent = await all<Step>("step", { changesPerSec, durationMs }, durationMs + 30_000);
    type Check = { latency: HistogramData; delivered: number; skipped: number; reordered: number; missing: number; lastDeliveryUs: number; cpuUs: number };
    const finalVersions = sent.flatMap((s) => s.writerVersions);
    const checks = await all<Check>("check", { finalVersions, deadlineMs: drainMs }, drainMs + 30_000);
    const s1 = await stats();
    const t1 = nowUs();
    const profileFile = path.join(path.dirname(outFile), `load-step-${target}.cpuprofile`);
    const profile = flags.profile ? await server?.rpc.call<ProfileLine[]>("profileStop", { file: profileFile }, 60_000) : undefined;
    const delivered = sum(checks.map((c) => c.delivered));
    const lastDelivery = Math.max(...checks.map((c) => c.lastDeliveryUs));
    const deliverySeconds = (Math.max(lastDelivery, t0) - Math.min(...sent.map((s) => s.startUs))) / 1e6;
    const latency = latencyOf(checks.map((c) => c.latency));
    const missing = sum(checks.map((c) => c.missing));
    const reordered = sum(checks.map((c) => c.reordered));
    const serverCpuUs = s0 && s1 ? s1.cpuUs - s0.cpuUs : undefined;
    const step = {
      target_notifications_per_sec: target,
      changes_per_sec: round(changesPerSec),
      changes_sent: sum(sent.map((s) => s.sent)),
      changes_answered: sum(sent.map((s) => s.answered)),
      notifications_delivered: delivered,
      notifications_per_sec: deliverySeconds > 0 ? Math.round(delivered / deliverySeconds) : 0,
      latency_ms: { p50: latency.p50, p99: latency.p99, max: latency.max },
      lost: missing,
      skipped_versions: sum(checks.map((c) => c.skipped)),
      reordered,
      server_cpu_percent: serverCpuUs === undefined ? null : round((100 * serverCpuUs) / (t1 - t0)),
      server_cpu_us_per_notification: serverCpuUs === undefined || delivered === 0 ? null : round(serverCpuUs / delivered, 2),
      server_write_syscalls_per_notification:
        s0?.writeSyscalls != null && s1?.writeSyscalls != null && delivered > 0 ? round((s1.writeSyscalls - s0.writeSyscalls) / delivered, 3) : null,
      server_loop_delay_max_ms: s1 ? round(s1.loopDelayMaxMs) : null,
      generators_cpu_percent: sent.map((s, i) => round((100 * (s.cpuUs + checks[i]!.cpuUs)) / (t1 - t0))),
      pass: latency.p99 < 100 && missing === 0 && reordered === 0 && delivered > 0,
      ...(profile ? { server_profile_top: profile } : {}),
    };
    return step;
  }

  const q0 = await stats();
  const qt0 = nowUs();
  type Queried = { sent: number; notSent: number; answered: number; refused: number; unanswered: number; latency: HistogramData; cpuUs: number };
  const queried = await all<Queried>("queries", { perSec: queryRate, durationMs: queryMs, maxInFlight: Math.max(50, Math.ceil(queryRate / generators / 2)) }, queryMs + 30_000);
  const q1 = await stats();
  const qt1 = nowUs();
  const queryLatency = latencyOf(queried.map((q) => q.latency));
  const queries = {
    target_per_sec: queryRate,
    sent: sum(queried.map((q) => q.sent)),
    not_sent_in_flight_cap: sum(queried.map((q) => q.notSent)),
    answered: queryLatency.count,
    refused: sum(queried.map((q) => q.refused)),
    unanswered: sum(queried.map((q) => q.unanswered)),
    per_sec: Math.round(queryLatency.count / (queryMs / 1000)),
    latency_ms: { p50: queryLatency.p50, p99: queryLatency.p99, max: queryLatency.max },
    server_cpu_percent: q0 && q1 ? round((100 * (q1.cpuUs - q0.cpuUs)) / (qt1 - qt0)) : null,
    generators_cpu_percent: queried.map((q) => round((100 * q.cpuUs) / (qt1 - qt0))),
  };
  process.stderr.write(`queries: ${queries.per_sec}/s answered of ${queryRate}/s offered, p50 ${queryLatency.p50} p99 ${queryLatency.p99} ms, refused ${queries.refused}\n`);

  type Held = { held: number; unexpectedCloses: number; errors: Record<string, number> };
  const held = await all<Held>("held", null, 30_000);
  const final = await stats();
  // The server shuts down while the generators still hold every connection: a shutdown as in production.
  const profileFile = flags.profile ? path.join(path.dirname(outFile), "load-shutdown.cpuprofile") : undefined;
  const stopped = server ? await server.rpc.call<{ shutdownMs: number; shutdownCpuMs: number; phasesMs?: Record<string, number>; profile?: ProfileLine[] }>("stop", { profileFile }, 60_000) : undefined;
  await Promise.all(gens.map((g) => g.call("stop", null, 30_000).catch(() => undefined)));

  const passing = steps.filter((s) => s.pass);
  const best = passing[passing.length - 1];
  const result = {
    tool: "npm run load",
    command: `npm run load -- ${process.argv.slice(2).join(" ")}`.trim(),
    quick,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, node: process.version, descriptor_limit: fdLimit },
    plan: { urls: server ? ["(started) " + urls[0]] : urls, generators, connections, ...graph, fan_out_per_change: round(fanout), step_seconds: stepMs / 1000, query_seconds: queryMs / 1000 },
    connections: {
      requested: connections,
      logged_in: loggedIn,
      held_at_end: sum(held.map((h) => h.held)),
      dropped: sum(held.map((h) => h.unexpectedCloses)),
      subscribed_receivers: sum(subscribed.map((s) => s.subscribed)),
      login_seconds: round(loginMs / 1000, 2),
      logins_per_sec: Math.round(loggedIn / (loginMs / 1000)),
      generators_login_cpu_us: logins.map((l) => l.cpuUs),
      server_rss_bytes_before: baseline?.rssBytes ?? null,
      server_rss_bytes_held: held1?.rssBytes ?? null,
      server_rss_per_connection_bytes: baseline && held1 && loggedIn > 0 ? Math.round((held1.rssBytes - baseline.rssBytes) / loggedIn) : null,
      server_idle_cpu_percent: held0 && held1 ? round((100 * (held1.cpuUs - held0.cpuUs)) / (holdMs * 1000)) : null,
      errors: held.map((h) => h.errors),
    },
    admission,
    steps,
    best: best ?? null,
    lost: sum(steps.map((s) => s.lost)),
    reordered: sum(steps.map((s) => s.reordered)),
    queries,
    server: server
      ? {
          rss_bytes_at_end: final?.rssBytes,
          shutdown_ms_with_connections_held: stopped ? round(stopped.shutdownMs) : null,
          shutdown_cpu_ms: stopped ? round(stopped.shutdownCpuMs) : null,
          shutdown_phases_ms: stopped?.phasesMs ?? null,
          ...(stopped?.profile ? { shutdown_profile_top: stopped.profile } : {}),
          last_log_lines: server.log,
        }
      : null,
    run_seconds: round((Date.now() - runStart) / 1000),
  };
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  const c = result.connections;
  process.stdout.write(
    [
      `connections: ${c.logged_in}/${c.requested} logged in at ${c.logins_per_sec}/s, ${c.held_at_end} held at the end, ${c.dropped} dropped; server RSS ${c.server_rss_per_connection_bytes} B/connection, ${c.server_idle_cpu_percent}% CPU idle`,
      best
        ? `best step: ${best.notifications_per_sec} notifications/s at p50 ${best.latency_ms.p50} / p99 ${best.latency_ms.p99} / max ${best.latency_ms.max} ms, ${best.server_cpu_us_per_notification} µs server CPU each, 0 lost`
        : "no step passed (p99 < 100 ms, nothing lost or reordered)",
      `queries: ${queries.per_sec}/s at p50 ${queries.latency_ms.p50} / p99 ${queries.latency_ms.p99} ms`,
      `lost ${result.lost}, reordered ${result.reordered}; shutdown with ${result.connections.held_at_end} connections held ${result.server?.shutdown_ms_with_connections_held ?? "-"} ms; wrote ${path.relative(process.cwd(), outFile)} (${result.run_seconds} s)`,
      "",
    ].join("\n"),
  );
}

const bounded = setTimeout(() => {
  process.stderr.write("load run exceeded its time bound\n");
  stopAll();
  process.exit(2);
}, (quick ? 120 : 1800) * 1000);
bounded.unref();

function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
}

if (flags["write-config"]) {
  fs.writeFileSync(flags["write-config"], `${JSON.stringify(serverConfig())}\n`);
  process.stdout.write(`wrote ${flags["write-config"]}: start each server with PRESENCE_CONFIG=${flags["write-config"]}\n`);
  process.exit(0);
}

main().then(
  () => {
    // Generators exit on their own; anything left after a grace period is killed.
    setTimeout(stopAll, 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`npm run load: ${error instanceof Error ? error.message : String(error)}\n`);
    stopAll();
    process.exitCode = 1;
  },
);
