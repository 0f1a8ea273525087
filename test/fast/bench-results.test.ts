import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { checkBenchResults } from "../../bench/check-results.js";

const latest = new URL("../../bench/results/latest.json", import.meta.url);

describe("bench/results/latest.json", () => {
  it("has the promised shape", () => {
    expect(checkBenchResults(JSON.parse(fs.readFileSync(latest, "utf8")))).toEqual([]);
  });

  it("the check catches a missing variant and a bad number", () => {
    const report = JSON.parse(fs.readFileSync(latest, "utf8")) as { results: Record<string, unknown>[] };
    report.results = report.results.filter((r) => r.variant !== "memcpy");
    report.results[0]!.us_per_op = "fast";
    expect(checkBenchResults(report)).toEqual(["results[0].us_per_op is not a finite number", "no encode result for memcpy"]);
  });

  it("the check catches a per-round ratio missing, a median outside min-max and a verdict that does not follow", () => {
    const report = JSON.parse(fs.readFileSync(latest, "utf8")) as {
      results: { per_round_vs: Record<string, { ratios: number[]; min: number; median: number; max: number }> }[];
      targets: { name: string; met: boolean }[];
    };
    report.results[1]!.per_round_vs["pbf"]!.ratios.pop();
    const byRound = report.results[2]!.per_round_vs["ts-proto"]!;
    byRound.median = byRound.max + 1;
    report.targets[0]!.met = !report.targets[0]!.met;
    expect(checkBenchResults(report)).toEqual([
      'results[1].per_round_vs["pbf"].ratios is not one positive ratio per round',
      'results[2].per_round_vs["ts-proto"] has its median outside min-max',
      `targets "${report.targets[0]!.name}".met does not follow from per_round_median`,
    ]);
  });
});

describe("bench/server-query.ts", () => {
  it("runs the server's query path and reports its parts", () => {
    const run = spawnSync(process.execPath, ["--import", "tsx", "bench/server-query.ts", "30"], {
      cwd: new URL("../..", import.meta.url),
      encoding: "utf8",
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^500-user query \(\d+-byte request\), \d+-byte frame: decode [\d.]+ µs general \/ [\d.]+ µs fast path, engine [\d.]+ µs, frame encoder [\d.]+ µs \(mean of 20\)\n$/,
    );
  }, 30_000);
});
