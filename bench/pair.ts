// Before/after of the single-pass encoder in ONE process: two checkouts'
// encoders take turns, 30 rounds of 1,000 calls each, so a slow spell of
// this shared machine falls on both. The way to compare changes of a few
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
for (let r = 0; r < 30; r++) {
  const [usA, usB] = runs.map((run) => {
    const start = process.cpuUsage();
    for (let i = 0; i < 1000; i++) run();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  }) as [number, number];
  a.push(usA);
  b.push(usB);
  ratios.push(usB / usA);
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1]!;
process.stdout.write(`A ${median(a).toFixed(1)} µs  B ${median(b).toFixed(1)} µs  B/A ${median(ratios).toFixed(3)} (rounds ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})\n`);
