// docs/conformance.md holds the catalogue of cases as the kit prints it, so a
// team reading it sees exactly what the kit checks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runConformanceCli } from "../../src/conformance/cli.js";

describe("docs/conformance.md", () => {
  it("holds the output of `conformance list --markdown`", async () => {
    let catalogue = "";
    expect(await runConformanceCli(["list", "--markdown"], { out: (text) => (catalogue += text), err: () => undefined })).toBe(0);
    const doc = readFileSync("docs/conformance.md", "utf8");
    const generated = /<!-- BEGIN GENERATED[^\n]*-->\n([\s\S]*?)\n<!-- END GENERATED -->/.exec(doc)?.[1];
    expect(generated, "regenerate with: node --import tsx src/conformance/main.ts list --markdown").toBe(catalogue.trimEnd());
  });
});
