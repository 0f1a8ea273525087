// Runs one variant of one operation in this process and prints one JSON line.
// bench/run.ts starts a fresh process per variant, so no variant measures
// the garbage or JIT state another left behind.
//
//   node [--expose-gc] --import tsx bench/runner.ts <variant> <encode|decode> <time|heap|both> [--quick]
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import { makeDataset } from "./dataset.js";
import { measuresThreadCpu, threadCpuNanos } from "./thread-clock.js";
import type { Variant, VariantContext } from "./variants/variant.js";

export interface RunnerResult {
  variant: string;
  op: "encode" | "decode";
  /** The lower quartile over the timed rounds of the JS thread's on-CPU time per call (bench/thread-clock.ts). */
  us_per_op?: number;
  /** The median over the same rounds. */
  median_round_us_per_op?: number;
  /** Median over the same rounds of wall time per call: the same where no other process wanted the core. */
  wall_us_per_op?: number;
  /** Timed rounds, and calls per round. */
  rounds?: number;
  calls_per_round?: number;
  /** Whether us_per_op is thread CPU time (Linux) or, elsewhere, wall time. */
  thread_cpu?: boolean;
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

  if (mode !== "heap") Object.assign(result, timePerCall(run, quick));
  if (mode !== "time") result.heap_bytes_per_op = heapBytesPerOp(run, quick);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * Warms up (the JIT tiers settle within the first second here), then times
 * rounds of a fixed number of calls, each ~100 ms, by the JS thread's CPU
 * time (the kernel adds to it at scheduler ticks and switches, every few ms:
 * within ~4% per round) and by wall time. Other tenants of this machine
 * slow the same optimized code by up to 2x for seconds at a time (no
 * compilation, deoptimization or GC in between; docs/performance.md), never
 * speed it up: the per-process figure is the lower quartile of the rounds.
 */
function timePerCall(run: () => unknown, quick: boolean): Partial<RunnerResult> {
  const warmupNanos = (quick ? 0.05 : 2) * 1e9;
  const roundNanos = (quick ? 5 : 100) * 1e6;
  const rounds = quick ? 5 : 30;
  let calls = 0;
  const warmupStart = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - warmupStart) < warmupNanos) {
    for (let i = 0; i < 10; i++) run();
    calls += 10;
  }
  const callsPerRound = Math.max(1, Math.round((calls * roundNanos) / Number(process.hrtime.bigint() - warmupStart)));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const wallStart = process.hrtime.bigint();
    const cpuStart = threadCpuNanos();
    for (let i = 0; i < callsPerRound; i++) run();
    cpu.push((threadCpuNanos() - cpuStart) / callsPerRound / 1000);
    wall.push(Number(process.hrtime.bigint() - wallStart) / callsPerRound / 1000);
  }
  cpu.sort((x, y) => x - y);
  wall.sort((x, y) => x - y);
  return {
    // A quick run's 5 ms rounds may see no tick at all: it reports wall time (its figures mean nothing anyway).
    us_per_op: quick ? median(wall) : lowerQuartile(cpu),
    median_round_us_per_op: quick ? median(wall) : median(cpu),
    wall_us_per_op: median(wall),
    rounds,
    calls_per_round: callsPerRound,
    thread_cpu: measuresThreadCpu,
  };
}

function lowerQuartile(sorted: number[]): number {
  return sorted[Math.floor((sorted.length - 1) / 4)]!;
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
