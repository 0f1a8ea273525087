// npm run load -- --quick, end to end: a real server and two generator
// processes on loopback. Checks what the run reports, never how fast it was.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { fanOut, friendsConfig, subscriptionsOf, watchedWriters, type GraphPlan } from "../../bench/load/graph.js";
import { Histogram } from "../../bench/load/histogram.js";

const repo = new URL("../..", import.meta.url).pathname;

function runLoad(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/load/main.ts", ...args], { cwd: repo, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

/** A quick run with these options: its results, once it exited cleanly with every connection held. */
async function quickRun(args: string[]) {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "load-test-")), "load.json");
  const run = await runLoad(["--quick", ...args, "--out", out]);
  expect(run.code, run.stderr).toBe(0);
  const result = JSON.parse(fs.readFileSync(out, "utf8"));
  const c = result.connections;
  expect(c.logged_in).toBe(c.requested);
  expect(c.held_at_end).toBe(c.requested);
  expect(c.dropped).toBe(0);
  return result;
}

describe("npm run load -- --quick", () => {
  it("holds every connection, is refused past them, delivers every change in order and answers every query", async () => {
    const result = await quickRun([]);
    const c = result.connections;
    expect(c.subscribed_receivers).toBe(result.plan.receivers);
    expect(c.server_rss_per_connection_bytes).toBeGreaterThan(0);
    expect(result.admission.answers).toEqual({ "http 503": result.admission.extra_attempted });
    expect(result.admission.healthz_status).toBe("full");
    expect(result.steps.length).toBeGreaterThan(0);
    for (const step of result.steps) {
      expect(step.changes_answered).toBe(step.changes_sent);
      expect(step.notifications_delivered).toBeGreaterThan(0);
      expect(step.lost).toBe(0);
      expect(step.reordered).toBe(0);
      expect(step.latency_ms.p50).toBeLessThanOrEqual(step.latency_ms.p99);
      expect(step.latency_ms.p99).toBeLessThanOrEqual(step.latency_ms.max);
      expect(Number.isFinite(step.server_cpu_us_per_notification)).toBe(true);
      expect(step.server_user_cpu_us_per_notification).toBeGreaterThan(0);
      expect(step.server_user_cpu_us_per_notification).toBeLessThanOrEqual(step.server_cpu_us_per_notification);
    }
    // A node that sheds load (a busy machine) refuses some queries with 72114: an answer too.
    expect(result.queries.answered).toBeGreaterThan(0);
    expect(result.queries.answered + result.queries.refused).toBe(result.queries.sent);
    expect(result.queries.unanswered).toBe(0);
    expect(result.server.shutdown_ms_with_connections_held).toBeGreaterThanOrEqual(0);
  }, 90_000);

  it("starts a local cluster (--nodes 2: a redis-server and two nodes), spreads the users over it and reports each node and Redis", async () => {
    const result = await quickRun(["--nodes", "2", "--rates", "2000", "--query-seconds", "1"]);
    const c = result.connections;
    expect(result.plan.nodes).toBe(2);
    expect(result.nodes.map((n: { connections: number }) => n.connections)).toEqual([c.requested / 2, c.requested / 2]);
    for (const node of result.nodes) expect(node.rss_bytes_held).toBeGreaterThan(0);
    // Every login wrote its user's record to Redis, which holds more than it did before.
    expect(result.redis.memory_bytes_held).toBeGreaterThan(result.redis.memory_bytes_before);
    expect(result.redis.cpu_us_per_login).toBeGreaterThan(0);
    // About half of each receiver's writers are on the other node (user i on node i mod 2): relayed through Redis, none lost.
    expect(result.steps[0].notifications_delivered).toBeGreaterThan(0);
    expect(result.lost).toBe(0);
    expect(result.reordered).toBe(0);
    expect(result.queries.answered + result.queries.refused).toBe(result.queries.sent);
  }, 90_000);

  it("writes the server configuration a plan needs, for servers it does not start", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "load-test-")), "presence.json");
    const run = await runLoad(["--quick", "--friends", "3", "--write-config", file]);
    expect(run.code, run.stderr).toBe(0);
    const config = JSON.parse(fs.readFileSync(file, "utf8"));
    const plan: GraphPlan = { users: 600, writers: 50, receivers: 400, subscriptionsPerReceiver: 10, friendsPerWriter: 3 };
    expect(config.friends).toEqual(friendsConfig(plan));
    expect(config.app).toMatchObject({ friendAutoNotify: true, featureEnabled: true, plan: "premium" });
  });

  it("refuses a target off the loopback", async () => {
    const run = await runLoad(["--quick", "--url", "ws://192.0.2.1:8080/presence"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/loopback only/);
  });
});

describe("the load's social graph", () => {
  const plan: GraphPlan = { users: 700, writers: 50, receivers: 600, subscriptionsPerReceiver: 10, friendsPerWriter: 3 };

  it("gives every writer the same number of subscribers, and friends on top", () => {
    const subscribers = new Array<number>(plan.writers).fill(0);
    for (let u = plan.writers; u < plan.writers + plan.receivers; u++) for (const w of subscriptionsOf(plan, u)) subscribers[w]!++;
    expect(new Set(subscribers)).toEqual(new Set([(plan.receivers * plan.subscriptionsPerReceiver) / plan.writers]));
    expect(fanOut(plan)).toBeGreaterThanOrEqual(120);
    expect(fanOut(plan)).toBeLessThanOrEqual(123);
  });

  it("the server's friends map and the receivers' watched writers agree", () => {
    const watched = watchedWriters(plan);
    for (const [writer, friends] of Object.entries(friendsConfig(plan))) {
      for (const friend of friends) expect(watched.get(Number(friend.slice(1)))!.has(Number(writer.slice(1)))).toBe(true);
    }
  });
});

describe("the load's latency histogram", () => {
  it("merges exactly and reads quantiles within a bucket (~2%)", () => {
    const a = new Histogram();
    const b = new Histogram();
    for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).record(i * 100);
    const merged = new Histogram();
    merged.merge(a.toJSON());
    merged.merge(b.toJSON());
    expect(merged.count).toBe(1000);
    expect(merged.maxUs).toBe(100_000);
    expect(merged.quantileUs(0.5) / 50_000).toBeGreaterThan(0.99);
    expect(merged.quantileUs(0.5) / 50_000).toBeLessThan(1.03);
    expect(merged.quantileUs(0.99) / 99_000).toBeLessThan(1.03);
    expect(new Histogram().quantileUs(0.99)).toBe(0);
  });
});
