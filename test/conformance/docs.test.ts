// docs/conformance.md lists every case, so a team reading it sees what the kit checks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLIENT_FAMILIES } from "../../src/conformance/client/index.js";
import { SERVER_FAMILIES } from "../../src/conformance/server/index.js";

describe("docs/conformance.md", () => {
  it("names every server and client case", () => {
    const doc = readFileSync("docs/conformance.md", "utf8");
    const ids = [...SERVER_FAMILIES, ...CLIENT_FAMILIES].flatMap((family) => family.cases.map((c) => c.id));
    expect(ids.filter((id) => !doc.includes(`\`${id}\``))).toEqual([]);
  });
});
