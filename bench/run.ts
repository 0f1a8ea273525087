// npm run bench [-- --quick] [-- --processes <n>] [-- --out <file>]
//
// Generates the pbjs and pbf code into bench/.generated, then measures every
// variant of every operation in its own process (bench/runner.ts), one at a
// time: once for time (benchmark.js, median of the samples), once for heap
// bytes per call (--expose-gc). Prints a table and writes JSON:
// bench/results/latest.json, or bench/results/quick.json with --quick (or
// BENCH_QUICK=1). --quick only proves the benchmark runs: tiny samples, time
// and heap in one process, processes in parallel; its figures mean nothing.
// --processes n times each variant in n fresh processes and keeps the median:
// a process sometimes lands in a slower JIT state (see docs/performance.md).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { makeDataset } from "./dataset.js";
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import type { RunnerResult } from "./runner.js";

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
  us_per_op: number;
  vs_ts_proto: number;
  vs_protobufjs_static: number;
  heap_bytes_per_op: number;
  samples: number;
  rme_percent: number;
  bytes_identical_to_ts_proto?: boolean;
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
    .map((text) => text.replace(/^(syntax|package|import)\b[^\n]*$/gm, ""))
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

/** One variant's time and heap figures: sequential processes, or one (in parallel with others) when quick. */
async function measure(variant: string, op: "encode" | "decode", quick: boolean, processes: number): Promise<RunnerResult> {
  process.stderr.write(`${op} ${variant}...\n`);
  if (quick) return runVariant(variant, op, "both", quick);
  const times: RunnerResult[] = [];
  for (let i = 0; i < processes; i++) times.push(await runVariant(variant, op, "time", quick));
  times.sort((a, b) => a.us_per_op! - b.us_per_op!);
  const heap = await runVariant(variant, op, "heap", quick);
  return { ...times[times.length >> 1]!, heap_bytes_per_op: heap.heap_bytes_per_op };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
  const processesIndex = process.argv.indexOf("--processes");
  const processes = processesIndex > 0 ? Number(process.argv[processesIndex + 1]) : 1;
  if (!Number.isInteger(processes) || processes < 1) throw new Error("--processes needs a positive integer");
  const outIndex = process.argv.indexOf("--out");
  const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]!) : path.join(benchDir, "results", quick ? "quick.json" : "latest.json");
  await generatePeerCode();
  const dataset = makeDataset();
  const wireBytes = GetUserStatusResponse.encode(dataset.response).finish().length;

  const results: BenchResult[] = [];
  for (const [op, variants] of [["encode", ENCODE_VARIANTS], ["decode", DECODE_VARIANTS]] as const) {
    const measured: RunnerResult[] = [];
    if (quick) measured.push(...(await Promise.all(variants.map((variant) => measure(variant, op, quick, 1)))));
    else for (const variant of variants) measured.push(await measure(variant, op, quick, processes));
    const usOf = (name: string) => measured.find((m) => m.variant === name)!.us_per_op!;
    for (const m of measured) {
      results.push({
        op,
        variant: m.variant,
        us_per_op: round(m.us_per_op!, 2),
        vs_ts_proto: round(usOf("ts-proto") / m.us_per_op!, 2),
        vs_protobufjs_static: round(usOf("protobufjs-static") / m.us_per_op!, 2),
        heap_bytes_per_op: m.heap_bytes_per_op!,
        samples: m.samples!,
        rme_percent: round(m.rme_percent!, 1),
        ...(m.bytes_identical_to_ts_proto === undefined ? {} : { bytes_identical_to_ts_proto: m.bytes_identical_to_ts_proto }),
      });
    }
  }

  const report = {
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? "unknown"} (${os.cpus().length} logical CPUs, ${os.arch()}, ${os.platform()})`,
    command: `npm run bench${quick ? " -- --quick" : processes > 1 ? ` -- --processes ${processes}` : ""}`,
    quick,
    processes_per_variant: quick ? 1 : processes,
    date: new Date().toISOString(),
    dataset: { ...dataset.description, wire_bytes: wireBytes },
    results,
  };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  printTable(report.results);
  process.stdout.write(`\n${report.node}, ${report.cpu}. Dataset: ${JSON.stringify(report.dataset)}\nWrote ${path.relative(repoDir, out)}\n`);
}

function printTable(results: BenchResult[]): void {
  const header = ["op", "variant", "µs/op", "vs ts-proto", "vs protobufjs static", "heap B/op", "±%", "same bytes"];
  const rows = results.map((r) => [
    r.op,
    r.variant,
    r.us_per_op.toFixed(1),
    `${r.vs_ts_proto.toFixed(2)}x`,
    `${r.vs_protobufjs_static.toFixed(2)}x`,
    String(r.heap_bytes_per_op),
    r.rme_percent.toFixed(1),
    r.bytes_identical_to_ts_proto === undefined ? "" : r.bytes_identical_to_ts_proto ? "yes" : "no",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(`${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map(line).join("\n")}\n`);
}

await main();
