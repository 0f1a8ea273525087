// Before/after of the single-pass encoder in ONE process: two checkouts'
// encoders take turns, 150 rounds of 200 calls each (~25 ms a side), the
// first to go alternating by round, so a slow spell of this shared machine
// falls on both alike. The way to compare changes of a few
// percent here, where separate processes differ by up to 2x.
//   git archive <rev> | tar -x -C /tmp/before && ln -s "$PWD/node_modules" /tmp/before/node_modules
//   node --import tsx bench/pair.ts /tmp/before .
// Prints both medians and the median of the per-round ratios B/A.
import fs from "node:fs";
import path from "node:path";
import { makeDataset } from "./dataset.js";

interface SinglePassEncoder {
  writeGetUserStatusResponse(response: unknown): number;
}

const roots = process.argv.slice(2, 4).map((root) => path.resolve(root));
if (roots.length !== 2) throw new Error("usage: bench/pair.ts <rootA> <rootB>");
const { response } = makeDataset();
const runs: (() => number)[] = [];
for (const root of roots) {
  // Where the single-pass encoder lives: bench/alternatives now, src/fast before.
  const file = ["bench/alternatives/batch-encoder.ts", "src/fast/batch-encoder.ts"].map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (file === undefined) throw new Error(`no single-pass encoder under ${root}`);
  const { StatusBatchEncoder } = (await import(file)) as { StatusBatchEncoder: new () => SinglePassEncoder };
  const encoder = new StatusBatchEncoder();
  runs.push(() => encoder.writeGetUserStatusResponse(response));
}
const warmupStart = process.hrtime.bigint();
while (process.hrtime.bigint() - warmupStart < 3_000_000_000n) for (const run of runs) for (let i = 0; i < 10; i++) run();
const a: number[] = [];
const b: number[] = [];
const ratios: number[] = [];
const timed = (run: () => number): number => {
  const start = process.cpuUsage();
  for (let i = 0; i < 200; i++) run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 200;
};
for (let r = 0; r < 150; r++) {
  let usA: number;
  let usB: number;
  if (r % 2 === 0) {
    usA = timed(runs[0]!);
    usB = timed(runs[1]!);
  } else {
    usB = timed(runs[1]!);
    usA = timed(runs[0]!);
  }
  a.push(usA);
  b.push(usB);
  ratios.push(usB / usA);
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1]!;
process.stdout.write(`A ${median(a).toFixed(1)} µs  B ${median(b).toFixed(1)} µs  B/A ${median(ratios).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})\n`);
