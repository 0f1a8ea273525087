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
import { fanOut } from "./graph.js";
import { Histogram, type HistogramData } from "./histogram.js";
import {
  beyond, concurrency, connections, drainMs, fdLimit, generatorNice, generators, graph, help, holdMs, nodes, notificationRates, outFile, perNodeMaximum, profile as profiling,
  queryMs, queryRate, quick, runBoundMs, secret, serverConfig, stepMs, urls as targetUrls, USAGE, writeConfig,
} from "./options.js";
import type { ProfileLine } from "./profile.js";
import { RpcClient, nowUs } from "./rpc.js";
import { combined, killStartedServers, startServers, type ServerSet, type ServerStats } from "./servers.js";

if (help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const fanout = fanOut(graph);
const children: ChildProcess[] = [];
const tsx = { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "pipe", "ipc"] as ("ignore" | "inherit" | "pipe" | "ipc")[] };

function startGenerator(index: number): RpcClient {
  const child = fork(path.join(import.meta.dirname, "generator.ts"), [], tsx);
  // The generator's main thread, where its JavaScript runs (Linux sets a priority per thread).
  if (child.pid !== undefined) os.setPriority(child.pid, generatorNice);
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

/** CPU profiles of the first started server (the one node, or the cluster's first), per phase. */
async function profiled<T>(set: ServerSet | undefined, name: string, work: () => Promise<T>): Promise<{ result: T; profile?: ProfileLine[] }> {
  const rpc = profiling ? set?.servers[0]?.rpc : undefined;
  await rpc?.call("profileStart", null, 30_000);
  const result = await work();
  const file = path.join(path.dirname(outFile), `load-${name}.cpuprofile`);
  const profile = rpc ? await rpc.call<ProfileLine[]>("profileStop", { file }, 60_000) : undefined;
  return profile ? { result, profile } : { result };
}

async function main(): Promise<void> {
  const runStart = Date.now();
  // A started single server is full at exactly the planned connections, so the probe past them meets the admission limit.
  set = targetUrls.length === 0 ? await startServers(nodes, { ...serverConfig(), maxConnections: nodes > 0 ? perNodeMaximum : connections }) : undefined;
  const servers = set?.servers ?? [];
  const urls = set ? servers.map((s) => s.url) : targetUrls;
  const perNode = async () => (set ? await set.stats() : []);
  const stats = async () => combined(await perNode());
  const redisStats = async () => (await set?.redis?.stats()) ?? undefined;
  const gens = Array.from({ length: generators }, (_, i) => startGenerator(i));
  const all = <T>(command: string, args: unknown, timeoutMs: number) => Promise.all(gens.map((g) => g.call<T>(command, args, timeoutMs)));
  await Promise.all(gens.map((g, index) => g.call("setup", { index, generators, urls, secret, graph, concurrency }, 30_000)));
  const baselineNodes = await perNode();
  const baseline = combined(baselineNodes);
  const redis0 = await redisStats();

  // Connections: writers first, so no receiver hears a writer's login before the baseline.
  type Login = { attempted: number; loggedIn: number; ms: number; cpuUs: number; writerVersions: [number, number][] };
  const loginTimeout = Math.min(runBoundMs, 60_000 + connections * 20);
  const loginStartUs = nowUs();
  const writerLogins = await all<Login>("login", { writers: true }, loginTimeout);
  const otherLogins = await all<Login>("login", { writers: false }, loginTimeout);
  const loginUs = nowUs() - loginStartUs;
  const afterLogins = await stats();
  const redisAfterLogins = await redisStats();
  const logins = [...writerLogins, ...otherLogins];
  const loggedIn = sum(logins.map((l) => l.loggedIn));
  process.stderr.write(`${loggedIn}/${connections} connections logged in over ${urls.length} node(s) in ${round(loginUs / 1e6)} s (${generators} generators)\n`);
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
  const held0Nodes = await perNode();
  const held0 = combined(held0Nodes);
  const redisHeld0 = await redisStats();
  const heldT0 = nowUs();
  await new Promise((resolve) => setTimeout(resolve, holdMs));
  type Held = { held: number; unexpectedCloses: number; errors: Record<string, number>; pongs: number; reconnects: number };
  const heldNow = await all<Held>("held", null, 30_000);
  const heldNodes = await perNode();
  const held1 = combined(heldNodes);
  const redisHeld1 = await redisStats();
  const heldUs = nowUs() - heldT0;
  process.stderr.write(`held ${sum(heldNow.map((h) => h.held))} for ${holdMs / 1000} s, ${sum(heldNow.map((h) => h.unexpectedCloses))} dropped; fan-out ${round(fanout)} per change\n`);

  // One unreported step at the first rate first: the JIT and the heaps warm up on both sides.
  if (notificationRates.length > 0) await runStep(notificationRates[0]!, Math.min(stepMs, 3000));
  const steps = [];
  for (const target of notificationRates) {
    const step = await runStep(target, stepMs);
    steps.push(step);
    process.stderr.write(
      `step ${target}/s offered: ${step.notifications_per_sec}/s delivered, p50 ${step.latency_ms.p50} p99 ${step.latency_ms.p99} max ${step.latency_ms.max} ms, lost ${step.lost}, reordered ${step.reordered}, server CPU ${step.server_cpu_percent}% (${step.server_cpu_us_per_notification} µs, ${step.server_user_cpu_us_per_notification} µs user, and ${step.server_write_syscalls_per_notification} writes/notification), generators ${step.generators_cpu_percent.join("/")}%\n`,
    );
    if (!step.pass) break;
  }

  /** Offers `target` notifications/s for `durationMs`, waits for the deliveries, and measures the step. */
  async function runStep(target: number, durationMs: number) {
    const changesPerSec = target / fanout;
    type Step = { startUs: number; sent: number; answered: number; cpuUs: number; writerVersions: [number, number][] };
    type Check = { latency: HistogramData; delivered: number; skipped: number; reordered: number; missing: number; lastDeliveryUs: number; cpuUs: number };
    const { result: measured, profile } = await profiled(set, `step-${target}`, async () => {
      const s0 = await stats();
      const t0 = nowUs();
      const sent = await all<Step>("step", { changesPerSec, durationMs }, durationMs + 30_000);
      const finalVersions = sent.flatMap((s) => s.writerVersions);
      const checks = await all<Check>("check", { finalVersions, deadlineMs: drainMs }, drainMs + 30_000);
      return { s0, s1: await stats(), t0, t1: nowUs(), sent, checks };
    });
    const { s0, s1, t0, t1, sent, checks } = measured;
    const delivered = sum(checks.map((c) => c.delivered));
    const lastDelivery = Math.max(...checks.map((c) => c.lastDeliveryUs));
    const deliverySeconds = (Math.max(lastDelivery, t0) - Math.min(...sent.map((s) => s.startUs))) / 1e6;
    const latency = latencyOf(checks.map((c) => c.latency));
    const missing = sum(checks.map((c) => c.missing));
    const reordered = sum(checks.map((c) => c.reordered));
    const serverCpuUs = s0 && s1 ? s1.cpuUs - s0.cpuUs : undefined;
    return {
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
      server_user_cpu_us_per_notification: s0 && s1 && delivered > 0 ? round((s1.userCpuUs - s0.userCpuUs) / delivered, 2) : null,
      server_write_syscalls_per_notification:
        s0?.writeSyscalls != null && s1?.writeSyscalls != null && delivered > 0 ? round((s1.writeSyscalls - s0.writeSyscalls) / delivered, 3) : null,
      server_loop_delay_max_ms: s1 ? round(s1.loopDelayMaxMs) : null,
      generators_cpu_percent: sent.map((s, i) => round((100 * (s.cpuUs + checks[i]!.cpuUs)) / (t1 - t0))),
      pass: latency.p99 < 100 && missing === 0 && reordered === 0 && delivered > 0,
      ...(profile ? { server_profile_top: profile } : {}),
    };
  }

  const queries = queryMs > 0 ? await runQueries() : null;
  async function runQueries() {
    type Queried = { sent: number; notSent: number; answered: number; refused: number; unanswered: number; latency: HistogramData; cpuUs: number };
    const maxInFlight = Math.max(50, Math.ceil(queryRate / generators / 2));
    const { result, profile } = await profiled(set, "queries", async () => {
      const q0 = await stats();
      const t0 = nowUs();
      const queried = await all<Queried>("queries", { perSec: queryRate, durationMs: queryMs, maxInFlight }, queryMs + 30_000);
      return { q0, q1: await stats(), t0, t1: nowUs(), queried };
    });
    const { q0, q1, t0, t1, queried } = result;
    const latency = latencyOf(queried.map((q) => q.latency));
    const refused = sum(queried.map((q) => q.refused));
    const serverCpuUs = q0 && q1 ? q1.cpuUs - q0.cpuUs : undefined;
    const generatorsCpuUs = sum(queried.map((q) => q.cpuUs));
    const out = {
      target_per_sec: queryRate,
      sent: sum(queried.map((q) => q.sent)),
      not_sent_in_flight_cap: sum(queried.map((q) => q.notSent)),
      answered: latency.count,
      refused,
      unanswered: sum(queried.map((q) => q.unanswered)),
      per_sec: Math.round(latency.count / (queryMs / 1000)),
      latency_ms: { p50: latency.p50, p99: latency.p99, max: latency.max },
      server_cpu_percent: serverCpuUs === undefined ? null : round((100 * serverCpuUs) / (t1 - t0)),
      // Refused queries cost the server too (their decoding, the refusal): per query received, and per answer.
      server_cpu_us_per_query: serverCpuUs === undefined || latency.count + refused === 0 ? null : round(serverCpuUs / (latency.count + refused)),
      server_cpu_us_per_answer: serverCpuUs === undefined || latency.count === 0 ? null : round(serverCpuUs / latency.count),
      server_loop_delay_max_ms: q1 ? round(q1.loopDelayMaxMs) : null,
      generators_cpu_percent: queried.map((q) => round((100 * q.cpuUs) / (t1 - t0))),
      generators_cpu_us_per_query: latency.count + refused === 0 ? null : round(generatorsCpuUs / (latency.count + refused)),
      ...(profile ? { server_profile_top: profile } : {}),
    };
    process.stderr.write(
      `queries: ${out.per_sec}/s answered of ${queryRate}/s offered, p50 ${out.latency_ms.p50} p99 ${out.latency_ms.p99} ms, refused ${refused}, server ${out.server_cpu_percent}% CPU (${out.server_cpu_us_per_query} µs per query), generators ${out.generators_cpu_percent.join("/")}% (${out.generators_cpu_us_per_query} µs per query)\n`,
    );
    return out;
  }

  const held = await all<Held>("held", null, 30_000);
  const final = await stats();
  // The servers shut down while the generators still hold every connection: a shutdown as in production.
  const shutdownProfile = profiling ? path.join(path.dirname(outFile), "load-shutdown.cpuprofile") : undefined;
  // A shutdown that does not finish within a minute is reported as such (null), not a failed run.
  const stopped = await Promise.all(
    servers.map((s, i) =>
      s.rpc.call<{ shutdownMs: number; shutdownCpuMs: number; phasesMs?: Record<string, number>; profile?: ProfileLine[] }>("stop", { profileFile: i === 0 ? shutdownProfile : undefined }, 60_000).catch(() => undefined),
    ),
  );
  await Promise.all(gens.map((g) => g.call("stop", null, 30_000).catch(() => undefined)));
  await set?.kill();

  const passing = steps.filter((s) => s.pass);
  const best = passing[passing.length - 1];
  const perConnection = (before: number | undefined, after: number | undefined, count: number) =>
    before !== undefined && after !== undefined && count > 0 ? Math.round((after - before) / count) : null;
  const result = {
    tool: "npm run load",
    command: `npm run load -- ${process.argv.slice(2).join(" ")}`.trim(),
    quick,
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, node: process.version, descriptor_limit: fdLimit, load_average: os.loadavg().map((l) => round(l, 2)) },
    plan: {
      urls: set ? urls.map((u) => `(started) ${u}`) : urls,
      nodes: urls.length,
      redis: set?.redis ? "(started) redis-server, no persistence" : null,
      generators,
      generator_nice: generatorNice,
      connections,
      ...graph,
      fan_out_per_change: round(fanout),
      hold_seconds: holdMs / 1000,
      step_seconds: stepMs / 1000,
      query_seconds: queryMs / 1000,
    },
    connections: {
      requested: connections,
      logged_in: loggedIn,
      held_after_hold: sum(heldNow.map((h) => h.held)),
      held_at_end: sum(held.map((h) => h.held)),
      dropped: sum(held.map((h) => h.unexpectedCloses)),
      pongs: sum(held.map((h) => h.pongs)),
      // Connections opened again after a failed one (the login refused until the login timeout closed it).
      reconnects: sum(held.map((h) => h.reconnects)),
      subscribed_receivers: sum(subscribed.map((s) => s.subscribed)),
      login_seconds: round(loginUs / 1e6, 2),
      logins_per_sec: Math.round(loggedIn / (loginUs / 1e6)),
      server_cpu_us_per_login: baseline && afterLogins && loggedIn > 0 ? round((afterLogins.cpuUs - baseline.cpuUs) / loggedIn) : null,
      generators_login_cpu_us: logins.map((l) => l.cpuUs),
      server_rss_bytes_before: baseline?.rssBytes ?? null,
      server_rss_bytes_held: held1?.rssBytes ?? null,
      server_rss_per_connection_bytes: perConnection(baseline?.rssBytes, held1?.rssBytes, loggedIn),
      server_heap_used_per_connection_bytes: perConnection(baseline?.heapUsedBytes, held1?.heapUsedBytes, loggedIn),
      server_idle_cpu_percent: held0 && held1 ? round((100 * (held1.cpuUs - held0.cpuUs)) / heldUs) : null,
      errors: held.map((h) => h.errors),
    },
    nodes: set && nodes > 0 ? nodeFigures(baselineNodes, held0Nodes, heldNodes, heldUs) : null,
    redis:
      redis0 && redisAfterLogins && redisHeld0 && redisHeld1
        ? {
            memory_bytes_before: redis0.memoryBytes,
            memory_bytes_held: redisHeld1.memoryBytes,
            memory_per_connection_bytes: perConnection(redis0.memoryBytes, redisHeld1.memoryBytes, loggedIn),
            cpu_us_per_login: loggedIn > 0 ? round((redisAfterLogins.cpuUs - redis0.cpuUs) / loggedIn) : null,
            cpu_percent_during_logins: round((100 * (redisAfterLogins.cpuUs - redis0.cpuUs)) / loginUs),
            cpu_percent_held: round((100 * (redisHeld1.cpuUs - redisHeld0.cpuUs)) / heldUs),
          }
        : null,
    admission,
    steps,
    best: best ?? null,
    lost: sum(steps.map((s) => s.lost)),
    reordered: sum(steps.map((s) => s.reordered)),
    queries,
    server: set
      ? {
          rss_bytes_at_end: final?.rssBytes,
          shutdown_ms_with_connections_held: stopped.every((s) => s !== undefined) ? round(Math.max(...stopped.map((s) => s!.shutdownMs))) : null,
          // Per server, in the order started.
          shutdown_cpu_ms: stopped.map((s) => (s ? round(s.shutdownCpuMs) : null)),
          shutdown_phases_ms: stopped.map((s) => s?.phasesMs ?? null),
          ...(stopped[0]?.profile ? { shutdown_profile_top: stopped[0].profile } : {}),
          last_log_lines: servers.flatMap((s) => s.log),
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
      ...(result.redis ? [`redis: ${result.redis.memory_per_connection_bytes} B/connection, ${result.redis.cpu_us_per_login} µs CPU per login (${result.redis.cpu_percent_during_logins}% during logins, ${result.redis.cpu_percent_held}% held)`] : []),
      best
        ? `best step: ${best.notifications_per_sec} notifications/s at p50 ${best.latency_ms.p50} / p99 ${best.latency_ms.p99} / max ${best.latency_ms.max} ms, ${best.server_cpu_us_per_notification} µs server CPU each, 0 lost`
        : steps.length > 0 ? "no step passed (p99 < 100 ms, nothing lost or reordered)" : "no steps",
      ...(queries ? [`queries: ${queries.per_sec}/s at p50 ${queries.latency_ms.p50} / p99 ${queries.latency_ms.p99} ms`] : []),
      `lost ${result.lost}, reordered ${result.reordered}; shutdown with ${result.connections.held_at_end} connections held ${result.server?.shutdown_ms_with_connections_held ?? "-"} ms; wrote ${path.relative(process.cwd(), outFile)} (${result.run_seconds} s)`,
      "",
    ].join("\n"),
  );
}

/** Each node's connections, RSS per connection (from before the logins) and CPU while held; null where a node did not answer. */
function nodeFigures(before: (ServerStats | undefined)[], held0: (ServerStats | undefined)[], held1: (ServerStats | undefined)[], heldUs: number) {
  return held1.map((h, i) => {
    const b = before[i];
    const h0 = held0[i];
    if (!h || !b || !h0) return null;
    return {
      connections: h.connections,
      rss_bytes_held: h.rssBytes,
      rss_per_connection_bytes: h.connections > 0 ? Math.round((h.rssBytes - b.rssBytes) / h.connections) : null,
      cpu_percent_held: round((100 * (h.cpuUs - h0.cpuUs)) / heldUs),
      loop_delay_max_ms: round(h.loopDelayMaxMs),
    };
  });
}

let set: ServerSet | undefined;
const bounded = setTimeout(() => {
  process.stderr.write("load run exceeded its time bound\n");
  void stopAll().then(() => process.exit(2));
}, runBoundMs);
bounded.unref();

async function stopAll(): Promise<void> {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  killStartedServers();
  await set?.kill();
}

if (writeConfig) {
  fs.writeFileSync(writeConfig, `${JSON.stringify(serverConfig())}\n`);
  process.stdout.write(`wrote ${writeConfig}: start each server with PRESENCE_CONFIG=${writeConfig}\n`);
  process.exit(0);
}

main().then(
  () => {
    // Generators exit on their own; anything left after a grace period is killed.
    setTimeout(() => void stopAll(), 2000).unref();
  },
  async (error: unknown) => {
    process.stderr.write(`npm run load: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll();
    process.exitCode = 1;
  },
);
