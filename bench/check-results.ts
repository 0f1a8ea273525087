// Checks that a results file has the shape bench/run.ts promises.
//   node --import tsx bench/check-results.ts [bench/results/latest.json]
import fs from "node:fs";
import path from "node:path";

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
  });
  for (const op of ["encode", "decode"] as const) {
    for (const variant of REQUIRED_VARIANTS[op]) {
      const found = r.results.some((e: unknown) => (e as Record<string, unknown>).op === op && (e as Record<string, unknown>).variant === variant);
      if (!found) problems.push(`no ${op} result for ${variant}`);
    }
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
