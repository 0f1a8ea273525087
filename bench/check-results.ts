// Checks that a results file has the shape bench/run.ts promises.
//   node --import tsx bench/check-results.ts [bench/results/latest.json]
import fs from "node:fs";
import path from "node:path";

export const REQUIRED_VARIANTS = {
  encode: ["ts-proto", "protobufjs-static", "protobufjs-reflect", "bufbuild-protobuf", "pbf", "fast-single-pass", "fast-cached-splice", "memcpy"],
  decode: ["ts-proto", "protobufjs-static", "protobufjs-reflect", "bufbuild-protobuf", "pbf", "fast"],
} as const;

const NUMBER_FIELDS = ["us_per_op", "vs_ts_proto", "vs_protobufjs_static", "heap_bytes_per_op"] as const;

/** The problems found; empty when `report` has the promised shape. */
export function checkBenchResults(report: unknown): string[] {
  const problems: string[] = [];
  if (typeof report !== "object" || report === null) return ["not an object"];
  const r = report as Record<string, unknown>;
  for (const key of ["node", "cpu"]) if (typeof r[key] !== "string") problems.push(`${key} is not a string`);
  if (typeof r.dataset !== "object" || r.dataset === null) problems.push("dataset is not an object");
  if (!Array.isArray(r.results)) return [...problems, "results is not an array"];
  r.results.forEach((entry: unknown, i) => {
    const e = entry as Record<string, unknown>;
    if (e.op !== "encode" && e.op !== "decode") problems.push(`results[${i}].op is ${String(e.op)}`);
    if (typeof e.variant !== "string") problems.push(`results[${i}].variant is not a string`);
    for (const field of NUMBER_FIELDS) {
      if (typeof e[field] !== "number" || !Number.isFinite(e[field])) problems.push(`results[${i}].${field} is not a finite number`);
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
