// Checks that a results file has the shape bench/run.ts promises.
//   node --import tsx bench/check-results.ts [bench/results/latest.json]
import fs from "node:fs";
import path from "node:path";
import { TARGETS } from "./targets.js";

const PEERS = ["ts-proto", "protobufjs-static", "pbf"] as const;

export const REQUIRED_VARIANTS = {
  encode: ["ts-proto", "protobufjs-static", "protobufjs-reflect", "bufbuild-protobuf", "pbf", "fast-single-pass", "fast-cached-splice", "memcpy"],
  decode: ["ts-proto", "protobufjs-static", "protobufjs-reflect", "bufbuild-protobuf", "pbf", "fast"],
} as const;

/** A full run times each variant in at least this many processes (a quick run in one). */
export const MIN_PROCESSES = 5;

const NUMBER_FIELDS = [
  "us_per_op",
  "us_per_op_min",
  "us_per_op_max",
  "median_round_us_per_op",
  "wall_us_per_op",
  "vs_ts_proto",
  "vs_protobufjs_static",
  "vs_pbf",
  "heap_bytes_per_op",
] as const;

/** The problems found; empty when `report` has the promised shape. */
export function checkBenchResults(report: unknown): string[] {
  const problems: string[] = [];
  if (typeof report !== "object" || report === null) return ["not an object"];
  const r = report as Record<string, unknown>;
  for (const key of ["node", "cpu"]) if (typeof r[key] !== "string") problems.push(`${key} is not a string`);
  if (typeof r.dataset !== "object" || r.dataset === null) problems.push("dataset is not an object");
  const processes = r.processes_per_variant;
  const minProcesses = r.quick === true ? 1 : MIN_PROCESSES;
  if (typeof processes !== "number" || processes < minProcesses) problems.push(`processes_per_variant is ${String(processes)}, needs at least ${minProcesses}`);
  if (!Array.isArray(r.results)) return [...problems, "results is not an array"];
  r.results.forEach((entry: unknown, i) => {
    const e = entry as Record<string, unknown>;
    if (e.op !== "encode" && e.op !== "decode") problems.push(`results[${i}].op is ${String(e.op)}`);
    if (typeof e.variant !== "string") problems.push(`results[${i}].variant is not a string`);
    for (const field of NUMBER_FIELDS) {
      if (typeof e[field] !== "number" || !Number.isFinite(e[field])) problems.push(`results[${i}].${field} is not a finite number`);
    }
    const perProcess = e.per_process_us_per_op;
    if (!Array.isArray(perProcess) || perProcess.length !== processes || !perProcess.every((u) => typeof u === "number" && Number.isFinite(u))) {
      problems.push(`results[${i}].per_process_us_per_op is not one finite number per process`);
    } else if ([e.us_per_op_min, e.us_per_op, e.us_per_op_max].every(Number.isFinite) && !((e.us_per_op_min as number) <= (e.us_per_op as number) && (e.us_per_op as number) <= (e.us_per_op_max as number))) {
      problems.push(`results[${i}] has its median outside min-max`);
    }
    problems.push(...checkPerRound(e.per_round_vs, processes, `results[${i}].per_round_vs`));
  });
  problems.push(...checkTargets(r.targets));
  for (const op of ["encode", "decode"] as const) {
    for (const variant of REQUIRED_VARIANTS[op]) {
      const found = r.results.some((e: unknown) => (e as Record<string, unknown>).op === op && (e as Record<string, unknown>).variant === variant);
      if (!found) problems.push(`no ${op} result for ${variant}`);
    }
  }
  return problems;
}

const isRatio = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x) && x > 0;

/** Per peer: one positive ratio per round (a round per process), and min <= median <= max of them. */
function checkPerRound(perRound: unknown, rounds: unknown, where: string): string[] {
  if (typeof perRound !== "object" || perRound === null) return [`${where} is not an object`];
  const problems: string[] = [];
  for (const peer of PEERS) {
    const v = (perRound as Record<string, Record<string, unknown> | undefined>)[peer];
    if (typeof v !== "object" || v === null) {
      problems.push(`${where}["${peer}"] is missing`);
      continue;
    }
    if (!Array.isArray(v.ratios) || v.ratios.length !== rounds || !v.ratios.every(isRatio)) problems.push(`${where}["${peer}"].ratios is not one positive ratio per round`);
    if (![v.min, v.median, v.max].every(isRatio)) problems.push(`${where}["${peer}"] min, median or max is not a positive number`);
    else if (!((v.min as number) <= (v.median as number) && (v.median as number) <= (v.max as number))) problems.push(`${where}["${peer}"] has its median outside min-max`);
  }
  return problems;
}

/** One verdict per target, judged by the median of the per-round ratios. */
function checkTargets(targets: unknown): string[] {
  if (!Array.isArray(targets)) return ["targets is not an array"];
  const problems: string[] = [];
  for (const target of TARGETS) {
    const t = targets.find((x: unknown) => (x as Record<string, unknown> | null)?.name === target.name) as Record<string, unknown> | undefined;
    if (t === undefined) {
      problems.push(`no verdict for the target "${target.name}"`);
      continue;
    }
    for (const field of ["per_round_median", "per_round_min", "per_round_max", "ratio_of_medians"]) {
      if (!isRatio(t[field])) problems.push(`targets "${target.name}".${field} is not a positive number`);
    }
    if (t.met !== (isRatio(t.per_round_median) && t.per_round_median >= target.at_least)) problems.push(`targets "${target.name}".met does not follow from per_round_median`);
  }
  return problems;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const file = process.argv[2] ?? path.join(import.meta.dirname, "results", "latest.json");
  const problems = checkBenchResults(JSON.parse(fs.readFileSync(file, "utf8")));
  if (problems.length > 0) {
    process.stderr.write(`${file}:\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    process.exit(1);
  }
  process.stdout.write(`${file}: ok\n`);
}
