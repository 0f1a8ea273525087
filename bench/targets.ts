// The benchmark's ratio targets and their verdicts. A verdict is the median
// over rounds of the ratio within a round (the peer's process in round r over
// the variant's process in round r, run back to back): a slow spell of this
// shared machine then falls on both sides of a ratio, where a ratio of
// medians over processes can pair one side's slow rounds with the other's
// quiet ones (docs/performance.md).
import type { BenchResult, Peer } from "./run.js";

export interface Target {
  /** What the target says, as docs/performance.md's Targets table names it. */
  name: string;
  op: "encode" | "decode";
  variant: string;
  peer: Peer;
  /** The ratio (peer's time over the variant's) it must reach. */
  at_least: number;
}

export const TARGETS: readonly Target[] = [
  { name: "single pass >= 3x ts-proto encode", op: "encode", variant: "fast-single-pass-write", peer: "ts-proto", at_least: 3 },
  { name: "single pass >= 2.5x protobufjs static", op: "encode", variant: "fast-single-pass-write", peer: "protobufjs-static", at_least: 2.5 },
  { name: "single pass >= 2.5x pbf", op: "encode", variant: "fast-single-pass-write", peer: "pbf", at_least: 2.5 },
  { name: "fast decoder >= 1.5x ts-proto decode", op: "decode", variant: "fast", peer: "ts-proto", at_least: 1.5 },
];

export interface Verdict extends Target {
  /** The verdict's figure: the median over rounds of the per-round ratios. */
  per_round_median: number;
  per_round_min: number;
  per_round_max: number;
  /** For comparison: the peer's median over processes over the variant's. */
  ratio_of_medians: number;
  met: boolean;
}

export function verdicts(results: readonly BenchResult[]): Verdict[] {
  return TARGETS.map((target) => {
    const result = results.find((r) => r.op === target.op && r.variant === target.variant);
    const peer = results.find((r) => r.op === target.op && r.variant === target.peer);
    if (result === undefined || peer === undefined) throw new Error(`no results for the target "${target.name}"`);
    const perRound = result.per_round_vs[target.peer];
    return {
      ...target,
      per_round_median: perRound.median,
      per_round_min: perRound.min,
      per_round_max: perRound.max,
      ratio_of_medians: Math.round((peer.us_per_op / result.us_per_op) * 100) / 100,
      met: perRound.median >= target.at_least,
    };
  });
}
