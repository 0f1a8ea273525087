// npm run bench [-- --quick] [-- --processes <n>] [-- --out <file>]
//
// Generates the pbjs and pbf code into bench/.generated, then measures every
// variant of every operation in fresh processes (bench/runner.ts), one at a
// time: n processes for time (default 5, in rounds that visit every variant
// once, each target's variant next to its peers, every other round
// backwards; each reports the lower quartile of 30 rounds of 100 ms of the JS
// thread's on-CPU time per call, see bench/runner.ts and
// bench/thread-clock.ts), one for heap bytes per call (--expose-gc). Reports per variant the
// distribution over the processes (min, median, max), ratios of the medians,
// and against each peer the ratio within each round (the peer's figure in
// round r over the variant's in round r: min, median, max over rounds; the
// verdict, as a slow spell of the shared machine falls on a whole round);
// prints both tables and writes JSON: bench/results/latest.json, or
// bench/results/quick.json with --quick (or BENCH_QUICK=1). --quick only
// proves the benchmark runs: one short process per variant, time and heap in
// it, processes in parallel; its figures mean nothing.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeDataset } from "./dataset.js";
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import { MIN_PROCESSES } from "./check-results.js";
import type { RunnerResult } from "./runner.js";
import { TARGETS, verdicts, type Verdict } from "./targets.js";

const ENCODE_VARIANTS = [
  "ts-proto",
  "protobufjs-static",
  "protobufjs-reflect",
  "bufbuild-protobuf",
  "pbf",
  "fast-single-pass",
  "fast-single-pass-owned",
  "fast-single-pass-write",
  "fast-cached-splice",
  "fast-cached-splice-statuses",
  "fast-cached-splice-entries",
  "memcpy",
];
const DECODE_VARIANTS = ["ts-proto", "protobufjs-static", "protobufjs-reflect", "bufbuild-protobuf", "pbf", "fast"];

export interface BenchResult {
  op: "encode" | "decode";
  variant: string;
  /** The median over processes of each process's µs per call (lower quartile of its rounds of the JS thread's CPU time). */
  us_per_op: number;
  us_per_op_min: number;
  us_per_op_max: number;
  /** Each process's figure, in the order they ran. */
  per_process_us_per_op: number[];
  /** The median over processes of each process's median round (thread CPU time). */
  median_round_us_per_op: number;
  /** The median over processes of wall time per call (higher when other processes took the cores). */
  wall_us_per_op: number;
  /** Ratios of the medians: above 1 is faster than that peer. */
  vs_ts_proto: number;
  vs_protobufjs_static: number;
  vs_pbf: number;
  /**
   * Per peer, the ratio within each round (the peer's process in round r over
   * this variant's process in round r), in round order, and its min, median
   * and max: the verdict's figure is the median. Quick runs have one round.
   */
  per_round_vs: Record<Peer, PerRoundRatios>;
  heap_bytes_per_op: number;
  bytes_identical_to_ts_proto?: boolean;
}

export const PEERS = ["ts-proto", "protobufjs-static", "pbf"] as const;
export type Peer = (typeof PEERS)[number];

export interface PerRoundRatios {
  ratios: number[];
  min: number;
  median: number;
  max: number;
}

/** One variant measured in several processes. */
interface Measured {
  variant: string;
  perProcess: RunnerResult[];
  heapBytesPerOp: number;
  bytesIdentical?: boolean;
}

const benchDir = import.meta.dirname;
const repoDir = path.resolve(benchDir, "..");
const generatedDir = path.join(benchDir, ".generated");

function generatePeerCode(): Promise<void> {
  fs.mkdirSync(generatedDir, { recursive: true });
  const pbjs = spawnSync(
    path.join(repoDir, "node_modules/.bin/pbjs"),
    ["-t", "static-module", "-w", "es6", "--no-comments", "-p", "proto", "-o", path.join(generatedDir, "pbjs-static.js"), "proto/presence/v1/operations.proto"],
    { cwd: repoDir, encoding: "utf8" },
  );
  if (pbjs.status !== 0) throw new Error(`pbjs failed: ${pbjs.stderr}`);
  return generatePbf();
}

/** pbf's compiler does not follow imports: compile the three files the response needs as one schema. */
async function generatePbf(): Promise<void> {
  const { default: parseSchema } = (await import("protocol-buffers-schema" as string)) as { default: (text: string) => unknown };
  const { compileRaw } = (await import("pbf/compile" as string)) as { compileRaw: (schema: unknown) => string };
  const body = ["errors", "status", "operations"]
    .map((name) => fs.readFileSync(path.join(repoDir, "proto/presence/v1", `${name}.proto`), "utf8"))
    // One schema from three files: their headers and file options (each file has the same) go.
    .map((text) => text.replace(/^(syntax|package|import|option)\b[^\n]*$/gm, ""))
    .join("\n");
  const code = compileRaw(parseSchema(`syntax = "proto3";\npackage presence.v1;\n${body}`));
  fs.writeFileSync(path.join(generatedDir, "pbf-presence.js"), code);
}

type Mode = "time" | "heap" | "both";

function runVariant(variant: string, op: "encode" | "decode", mode: Mode, quick: boolean): Promise<RunnerResult> {
  const flags = mode === "time" ? [] : ["--expose-gc", "--max-semi-space-size=64", "--min-semi-space-size=64"];
  const child = spawn(
    process.execPath,
    [...flags, "--import", "tsx", path.join(benchDir, "runner.ts"), variant, op, mode, ...(quick ? ["--quick"] : [])],
    { cwd: repoDir, env: { ...process.env, BENCH_GENERATED_DIR: generatedDir } },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on("close", (status) => {
      const line = stdout.trim().split("\n").pop() ?? "";
      if (status !== 0 || !line.startsWith("{")) reject(new Error(`${variant} ${op} ${mode} failed (exit ${status}):\n${stderr}`));
      else resolve(JSON.parse(line) as RunnerResult);
    });
  });
}

/**
 * Every variant's time figures from `processes` processes each, taken in
 * rounds (one process of every variant per round) so that a slow spell of
 * this shared machine falls on all variants alike; then one heap process
 * each. Quick: one process per variant for both, all in parallel.
 */
async function measureAll(variants: readonly string[], op: "encode" | "decode", quick: boolean, processes: number): Promise<Measured[]> {
  if (quick) {
    return Promise.all(
      variants.map(async (variant) => {
        const both = await runVariant(variant, op, "both", quick);
        return { variant, perProcess: [both], heapBytesPerOp: both.heap_bytes_per_op!, bytesIdentical: both.bytes_identical_to_ts_proto };
      }),
    );
  }
  const perProcess = new Map<string, RunnerResult[]>(variants.map((variant) => [variant, []]));
  const order = roundOrder(variants, op);
  for (let round = 1; round <= processes; round++) {
    process.stderr.write(`${op}: round ${round} of ${processes}\n`);
    // Every other round backwards: a machine growing slower or faster during a round favours neither side of a ratio.
    for (const variant of round % 2 === 1 ? order : [...order].reverse()) perProcess.get(variant)!.push(await runVariant(variant, op, "time", quick));
  }
  const measured: Measured[] = [];
  for (const variant of variants) {
    const heap = await runVariant(variant, op, "heap", quick);
    measured.push({ variant, perProcess: perProcess.get(variant)!, heapBytesPerOp: heap.heap_bytes_per_op!, bytesIdentical: heap.bytes_identical_to_ts_proto });
  }
  return measured;
}

/**
 * The variants of a round with each target's variant next to its peers (the
 * first peer, the variant, the other peers), then the rest: the processes a
 * verdict compares run seconds apart, within one spell of the shared machine.
 */
function roundOrder(variants: readonly string[], op: "encode" | "decode"): string[] {
  const first: string[] = [];
  const add = (variant: string) => {
    if (variants.includes(variant) && !first.includes(variant)) first.push(variant);
  };
  for (const target of TARGETS.filter((t) => t.op === op)) {
    const peers = TARGETS.filter((t) => t.op === op && t.variant === target.variant).map((t) => t.peer);
    add(peers[0]!);
    add(target.variant);
    peers.slice(1).forEach(add);
  }
  return [...first, ...variants.filter((variant) => !first.includes(variant))];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The peer's figure over the variant's, round by round (process r of each ran in round r, back to back). */
function perRoundRatios(peer: Measured, variant: Measured): PerRoundRatios {
  const ratios = variant.perProcess.map((p, r) => peer.perProcess[r]!.us_per_op! / p.us_per_op!);
  return { ratios: ratios.map((x) => round(x, 3)), min: round(Math.min(...ratios), 2), median: round(median(ratios), 2), max: round(Math.max(...ratios), 2) };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
  const processesIndex = process.argv.indexOf("--processes");
  const processes = quick ? 1 : processesIndex > 0 ? Number(process.argv[processesIndex + 1]) : MIN_PROCESSES;
  if (!Number.isInteger(processes) || (!quick && processes < MIN_PROCESSES)) throw new Error(`--processes needs an integer of at least ${MIN_PROCESSES}`);
  const outIndex = process.argv.indexOf("--out");
  const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]!) : path.join(benchDir, "results", quick ? "quick.json" : "latest.json");
  await generatePeerCode();
  const dataset = makeDataset();
  const wireBytes = GetUserStatusResponse.encode(dataset.response).finish().length;

  const results: BenchResult[] = [];
  for (const [op, variants] of [["encode", ENCODE_VARIANTS], ["decode", DECODE_VARIANTS]] as const) {
    const measured = await measureAll(variants, op, quick, processes);
    const medianOf = (m: Measured) => median(m.perProcess.map((p) => p.us_per_op!));
    const medianUs = (name: string) => medianOf(measured.find((m) => m.variant === name)!);
    for (const m of measured) {
      const us = m.perProcess.map((p) => p.us_per_op!);
      const mid = medianOf(m);
      results.push({
        op,
        variant: m.variant,
        us_per_op: round(mid, 2),
        us_per_op_min: round(Math.min(...us), 2),
        us_per_op_max: round(Math.max(...us), 2),
        per_process_us_per_op: us.map((u) => round(u, 2)),
        median_round_us_per_op: round(median(m.perProcess.map((p) => p.median_round_us_per_op!)), 2),
        wall_us_per_op: round(median(m.perProcess.map((p) => p.wall_us_per_op!)), 2),
        vs_ts_proto: round(medianUs("ts-proto") / mid, 2),
        vs_protobufjs_static: round(medianUs("protobufjs-static") / mid, 2),
        vs_pbf: round(medianUs("pbf") / mid, 2),
        per_round_vs: Object.fromEntries(PEERS.map((peer) => [peer, perRoundRatios(measured.find((p) => p.variant === peer)!, m)])) as Record<Peer, PerRoundRatios>,
        heap_bytes_per_op: m.heapBytesPerOp,
        ...(m.bytesIdentical === undefined ? {} : { bytes_identical_to_ts_proto: m.bytesIdentical }),
      });
    }
  }

  const report = {
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? "unknown"} (${os.cpus().length} logical CPUs, ${os.arch()}, ${os.platform()})`,
    command: `npm run bench${quick ? " -- --quick" : processesIndex > 0 ? ` -- --processes ${processes}` : ""}`,
    quick,
    processes_per_variant: processes,
    clock: "per process: the lower quartile (and the median) of 30 rounds of 100 ms of the JS thread's on-CPU time per call (/proc/thread-self/schedstat), and the median of the rounds' wall time",
    date: new Date().toISOString(),
    dataset: { ...dataset.description, wire_bytes: wireBytes },
    results,
    targets: verdicts(results),
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  printTable(report.results);
  printPerRound(report.results);
  printTargets(report.targets, quick);
  process.stdout.write(`\n${report.node}, ${report.cpu}. Dataset: ${JSON.stringify(report.dataset)}\nWrote ${path.relative(repoDir, out)}\n`);
}

function printTable(results: BenchResult[]): void {
  const header = ["op", "variant", "µs/op median", "min-max over processes", "vs ts-proto", "vs protobufjs static", "vs pbf", "median rounds µs", "wall µs", "heap B/op", "same bytes"];
  const rows = results.map((r) => [
    r.op,
    r.variant,
    r.us_per_op.toFixed(1),
    `${r.us_per_op_min.toFixed(1)}-${r.us_per_op_max.toFixed(1)}`,
    `${r.vs_ts_proto.toFixed(2)}x`,
    `${r.vs_protobufjs_static.toFixed(2)}x`,
    `${r.vs_pbf.toFixed(2)}x`,
    r.median_round_us_per_op.toFixed(1),
    r.wall_us_per_op.toFixed(1),
    String(r.heap_bytes_per_op),
    r.bytes_identical_to_ts_proto === undefined ? "" : r.bytes_identical_to_ts_proto ? "yes" : "no",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map(line).join("\n")}\n`);
}

/** Per variant and peer: the ratio within each round, min-median-max over rounds. */
function printPerRound(results: BenchResult[]): void {
  process.stdout.write(`\nPeer's time over the variant's within each round, min-median-max over ${results[0]!.per_round_vs["ts-proto"].ratios.length} rounds:\n`);
  const width = Math.max(...results.map((r) => r.op.length + r.variant.length + 1));
  for (const r of results) {
    const cells = PEERS.map((peer) => {
      const v = r.per_round_vs[peer];
      return `vs ${peer} ${v.min.toFixed(2)}-${v.median.toFixed(2)}-${v.max.toFixed(2)}x`;
    });
    process.stdout.write(`${`${r.op} ${r.variant}`.padEnd(width)}  ${cells.join("  ")}\n`);
  }
}

function printTargets(targets: Verdict[], quick: boolean): void {
  process.stdout.write(`\nTargets (verdict: the median of the per-round ratios${quick ? "; a quick run's verdicts mean nothing" : ""}):\n`);
  for (const t of targets) {
    process.stdout.write(
      `${t.met ? "met    " : "NOT met"}  ${t.name}: ${t.per_round_median.toFixed(2)}x (rounds ${t.per_round_min.toFixed(2)}-${t.per_round_max.toFixed(2)}x; ratio of medians ${t.ratio_of_medians.toFixed(2)}x)\n`,
    );
  }
}

await main();
