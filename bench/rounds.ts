// One variant in one process, round by round: what a fresh process does
// after warming up, and whether it changes while it runs.
//   node [--trace-opt --trace-deopt --trace-gc] --import tsx bench/rounds.ts <variant> [rounds]
// Prints "ROUND n" before each round (to place V8's trace lines among them),
// then the CPU time (process.cpuUsage: µs precise; this process's helper
// threads included) and the wall time per call of each 100 ms round.
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import { makeDataset } from "./dataset.js";
import type { Variant } from "./variants/variant.js";

const [variantName = "fast-single-pass-write", roundsArg = "30"] = process.argv.slice(2);
const { variant } = (await import(`./variants/${variantName}.ts`)) as { variant: Variant };
if (variant.encode === undefined) throw new Error(`${variantName} has no encode`);
const dataset = makeDataset();
const generatedDir = process.env.BENCH_GENERATED_DIR ?? new URL("./.generated", import.meta.url).pathname;
const { run } = await variant.encode({ dataset, reference: GetUserStatusResponse.encode(dataset.response).finish(), generatedDir });

let calls = 0;
const warmupStart = process.hrtime.bigint();
while (process.hrtime.bigint() - warmupStart < 2_000_000_000n) {
  for (let i = 0; i < 10; i++) run();
  calls += 10;
}
const callsPerRound = Math.max(1, Math.round(calls / 20));
const cpu: string[] = [];
const wall: string[] = [];
for (let r = 0; r < Number(roundsArg); r++) {
  process.stdout.write(`ROUND ${r}\n`);
  const cpuStart = process.cpuUsage();
  const wallStart = process.hrtime.bigint();
  for (let i = 0; i < callsPerRound; i++) run();
  const used = process.cpuUsage(cpuStart);
  wall.push((Number(process.hrtime.bigint() - wallStart) / callsPerRound / 1000).toFixed(0));
  cpu.push(((used.user + used.system) / callsPerRound).toFixed(0));
}
process.stdout.write(`${variantName}, µs per call, ${callsPerRound} calls a round\ncpu  ${cpu.join(" ")}\nwall ${wall.join(" ")}\n`);
