// The fan-out of one change in the load tool's scenario (1,000 writers; 10,000
// receivers subscribed to 50 writers each; 5 friends per writer: ~505
// receivers per change), over the in-memory store: the receivers read from
// the store and friends per change (general), against the recipient index.
//   node --import tsx bench/fan-out.ts [--processes 3] [--changes 4000] [--out FILE]
// Each variant runs in its own processes, taking turns; each reports its JS
// thread's CPU time (/proc/thread-self/schedstat) per change and per
// notification after a warm-up.
import { fork } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { resolveAppConfig } from "../src/engine/config.js";
import { InMemoryFriends } from "../src/engine/directory.js";
import { collectNotifications } from "../src/engine/fan-out.js";
import { InMemoryPresenceStore } from "../src/engine/memory-store.js";
import { recipientIndexFor } from "../src/engine/recipient-index.js";
import type { StoreWrite, UserRecord } from "../src/engine/store.js";
import { measuresThreadCpu, threadCpuNanos } from "./thread-clock.js";

const WRITERS = 1000;
const RECEIVERS = 10_000;
const SUBSCRIPTIONS = 50;
const FRIENDS = 5;
const VARIANTS = ["general", "index"] as const;
type Variant = (typeof VARIANTS)[number];

interface Run {
  variant: Variant;
  usPerChange: number;
  usPerNotification: number;
  notificationsPerChange: number;
}

if (process.argv[2] === "child") void child(process.argv[3] as Variant, Number(process.argv[4]));
else void main();

function record(userId: string): UserRecord {
  return { userId, devices: [{ deviceId: "d", platform: 1, nodeId: "local", connectionId: `c-${userId}` }], customStatus: "", disconnectedType: 2, version: 1n, changedAtMs: 1n, reason: 1, retainUntilMs: undefined };
}

async function child(variant: Variant, changes: number): Promise<void> {
  const store = new InMemoryPresenceStore(1n);
  const friends = new InMemoryFriends();
  const writes: StoreWrite[] = [];
  for (let w = 0; w < WRITERS; w++) writes.push({ kind: "user", userId: `w${w}`, revision: 0, value: record(`w${w}`) });
  for (let r = 0; r < RECEIVERS; r++) {
    writes.push({ kind: "user", userId: `r${r}`, revision: 0, value: record(`r${r}`) });
    const first = (r * SUBSCRIPTIONS) % WRITERS;
    writes.push({ kind: "subscriptions", userId: `r${r}`, revision: 0, value: Array.from({ length: SUBSCRIPTIONS }, (_, i) => `w${(first + i) % WRITERS}`) });
  }
  await store.commit(writes);
  for (let w = 0; w < WRITERS; w++) for (let f = 0; f < FRIENDS; f++) friends.befriend(`w${w}`, `r${(w * FRIENDS + f) % RECEIVERS}`);
  const index = variant === "index" ? recipientIndexFor(store, friends) : undefined;
  const config = resolveAppConfig({ plan: "premium", featureEnabled: true, friendAutoNotify: true });
  const records = await Promise.all(Array.from({ length: WRITERS }, async (_, w) => (await store.readUser(`w${w}`)).value!));
  const fanOut = async (i: number) => {
    const writer = records[i % WRITERS]!;
    const { local } = await collectNotifications(config, store, friends, "local", new Map([[writer.userId, { record: writer, answered: undefined }]]), true, index);
    return local.size;
  };
  for (let i = 0; i < 500; i++) await fanOut(i);
  let notifications = 0;
  const start = threadCpuNanos();
  for (let i = 0; i < changes; i++) notifications += await fanOut(i);
  const us = (threadCpuNanos() - start) / 1000;
  process.send!({ variant, usPerChange: us / changes, usPerNotification: us / notifications, notificationsPerChange: notifications / changes } satisfies Run, () => process.exit(0));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      processes: { type: "string", default: "3" },
      changes: { type: "string", default: "4000" },
      out: { type: "string", default: path.join(import.meta.dirname, "results", "fan-out.json") },
    },
  });
  const processes = Number(values.processes);
  const changes = Number(values.changes);
  if (![processes, changes].every((n) => Number.isInteger(n) && n > 0)) throw new Error("--processes and --changes are positive integers");
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const runs: Run[] = [];
  for (let p = 0; p < processes; p++) {
    for (const variant of VARIANTS) {
      const proc = fork(import.meta.filename, ["child", variant, String(changes)], { execArgv: ["--import", "tsx"] });
      const timer = setTimeout(() => proc.kill("SIGKILL"), 120_000);
      const [message] = (await once(proc, "message")) as [Run];
      clearTimeout(timer);
      runs.push(message);
    }
  }
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const summary = VARIANTS.map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    return {
      variant,
      processes: mine.length,
      us_per_change_median: round(median(mine.map((r) => r.usPerChange))),
      us_per_notification_median: round(median(mine.map((r) => r.usPerNotification))),
      us_per_notification: mine.map((r) => round(r.usPerNotification)),
      notifications_per_change: round(mine[0]!.notificationsPerChange),
    };
  });
  const general = summary[0]!.us_per_notification_median;
  const report = {
    command: `node --import tsx bench/fan-out.ts ${process.argv.slice(2).join(" ")}`.trim(),
    started_at: startedAt,
    load_average_before: loadBefore.map(round),
    load_average_after: os.loadavg().map(round),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, node: process.version, clock: measuresThreadCpu ? "thread (schedstat)" : "wall" },
    scenario: { writers: WRITERS, receivers: RECEIVERS, subscriptions: SUBSCRIPTIONS, friends_per_writer: FRIENDS, changes_per_process: changes },
    variants: summary.map((v) => ({ ...v, vs_general: round(v.us_per_notification_median / general) })),
  };
  fs.writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  for (const v of report.variants) console.log(`${v.variant}: ${v.us_per_change_median} µs per change, ${v.us_per_notification_median} µs per notification (${v.vs_general}x general)`);
}
