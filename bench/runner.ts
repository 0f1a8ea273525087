// Runs one variant of one operation in this process and prints one JSON line.
// bench/run.ts starts a fresh process per variant, so no variant measures
// the garbage or JIT state another left behind.
//
//   node [--expose-gc] --import tsx bench/runner.ts <variant> <encode|decode> <time|heap|both> [--quick]
import Benchmark from "benchmark";
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import { makeDataset } from "./dataset.js";
import type { Variant, VariantContext } from "./variants/variant.js";

export interface RunnerResult {
  variant: string;
  op: "encode" | "decode";
  us_per_op?: number;
  samples?: number;
  rme_percent?: number;
  heap_bytes_per_op?: number;
  bytes_identical_to_ts_proto?: boolean;
}

declare const gc: (() => void) | undefined;

async function main(): Promise<void> {
  const [variantName, op, mode] = process.argv.slice(2);
  const quick = process.argv.includes("--quick");
  if (variantName === undefined || (op !== "encode" && op !== "decode") || (mode !== "time" && mode !== "heap" && mode !== "both")) {
    throw new Error("usage: runner.ts <variant> <encode|decode> <time|heap|both> [--quick]");
  }
  const generatedDir = process.env.BENCH_GENERATED_DIR ?? new URL("./.generated", import.meta.url).pathname;
  const { variant } = (await import(`./variants/${variantName}.ts`)) as { variant: Variant };
  const dataset = makeDataset();
  const context: VariantContext = { dataset, reference: GetUserStatusResponse.encode(dataset.response).finish(), generatedDir };
  const result: RunnerResult = { variant: variantName, op };

  let run: () => unknown;
  if (op === "encode") {
    if (variant.encode === undefined) throw new Error(`${variantName} has no encode`);
    const encode = await variant.encode(context);
    result.bytes_identical_to_ts_proto = Buffer.from(encode.bytes()).equals(context.reference);
    run = encode.run;
  } else {
    if (variant.decode === undefined) throw new Error(`${variantName} has no decode`);
    const decode = await variant.decode(context);
    const statuses = decode().statuses.length;
    if (statuses !== dataset.response.statuses.length) throw new Error(`${variantName} decoded ${statuses} statuses`);
    run = decode;
  }

  if (mode !== "heap") {
    const bench = new Benchmark(variantName, run, { maxTime: quick ? 0.05 : 4, minSamples: quick ? 3 : 40, initCount: 1 });
    bench.run();
    const sample = [...bench.stats.sample].sort((a, b) => a - b);
    result.us_per_op = median(sample) * 1e6;
    result.samples = sample.length;
    result.rme_percent = bench.stats.rme;
  }
  if (mode !== "time") result.heap_bytes_per_op = heapBytesPerOp(run, quick);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function median(sorted: number[]): number {
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Heap bytes allocated per call: heap used after N calls minus heap used
 * before, between forced GCs. The run.ts process starts this with a 64 MB
 * young generation, and N keeps the total under 32 MB, so no collection
 * happens in between and every allocation is counted.
 */
function heapBytesPerOp(run: () => unknown, quick: boolean): number {
  if (typeof gc !== "function") throw new Error("heap mode needs --expose-gc");
  for (let i = 0; i < (quick ? 50 : 500); i++) run(); // warm up (JIT, pooled buffers)
  const measure = (calls: number): number => {
    gc!();
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < calls; i++) run();
    return (process.memoryUsage().heapUsed - before) / calls;
  };
  const estimate = Math.max(measure(10), 1);
  const calls = Math.max(10, Math.min(2000, Math.floor((32 * 1024 * 1024) / estimate)));
  // One process.memoryUsage() object per measurement; small against `calls` ops.
  return Math.max(0, Math.round(measure(calls)));
}

await main();
