// Golden traces: every scenario file under test/traces replays exactly.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { STORES } from "./harness.js";
import { expandIds, parseTrace, TraceSyntaxError } from "./trace-format.js";
import { describeMismatches, runTrace } from "./trace-runner.js";

const traceDir = fileURLToPath(new URL("../traces/", import.meta.url));
const traceFiles = readdirSync(traceDir).filter((name) => name.endsWith(".trace")).sort();

describe.each(STORES)("golden traces against the $name store", (store) => {
  it("exist", () => {
    expect(traceFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(traceFiles)("%s replays exactly", async (name) => {
    const trace = parseTrace(readFileSync(traceDir + name, "utf8"));
    expect(trace.steps.length).toBeGreaterThan(0);
    expect(describeMismatches(await runTrace(trace, store.create()))).toBe("");
  });
});

const memory = STORES[0]!;

describe("trace runner", () => {
  const scenario = `
config: plan=premium feature=on
@0 connect c1
@0 c1> #1 login alice device=phone platform=WEB
  c1< #1 LoginResponse device=phone time=@0 limits=spec self={alice ONLINE [phone:WEB] v1 LOGIN @0}
@10 c1> #2 get alice
  c1< #2 GetUserStatusResponse [{alice ONLINE [phone:WEB] v1 LOGIN @0}]
`;

  it("passes a trace whose expectations hold", async () => {
    expect(await runTrace(parseTrace(scenario), memory.create())).toEqual([]);
  });

  it("reports a step whose effects differ, with the actual lines", async () => {
    const wrong = scenario.replace("v1 LOGIN @0}]", "v2 LOGIN @0}]");
    const mismatches = await runTrace(parseTrace(wrong), memory.create());
    expect(mismatches.map((m) => m.step.lineNumber)).toEqual([6]);
    expect(mismatches[0]?.actual).toEqual(["c1< #2 GetUserStatusResponse [{alice ONLINE [phone:WEB] v1 LOGIN @0}]"]);
  });

  it("reports effects that were not expected", async () => {
    const missing = scenario.replace(/ {2}c1< #2 .*\n/, "");
    expect(await runTrace(parseTrace(missing), memory.create())).toHaveLength(1);
  });

  it("rejects malformed lines with their line number", () => {
    expect(() => parseTrace("@0 c1> login alice")).toThrow(TraceSyntaxError);
    expect(() => parseTrace("@0 c1> #1 fly")).toThrow(/line 1/);
  });

  it("expands id ranges", () => {
    expect(expandIds("u{8..11}")).toEqual(["u8", "u9", "u10", "u11"]);
    expect(expandIds("bob")).toEqual(["bob"]);
  });
});
