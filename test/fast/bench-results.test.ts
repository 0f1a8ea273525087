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
});
