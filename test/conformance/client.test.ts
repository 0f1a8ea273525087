// The client conformance kit against this package's SDK (through its shipped
// driver: every scenario must PASS) and against a careless client, which must
// fail exactly the scenarios it breaks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLIENT_FAMILIES, runClientConformance } from "../../src/conformance/client/index.js";
import type { ConformanceReport } from "../../src/conformance/report/model.js";
import { bundledDriver } from "./bundled-driver.js";

const bundles = mkdtempSync(join(tmpdir(), "conformance-drivers-"));
afterAll(() => rmSync(bundles, { recursive: true, force: true }));

const target = (driverCommand: string) => ({ driverCommand, answerTimeoutMs: 5000, startTimeoutMs: 20_000 });

function notPassed(report: ConformanceReport): string[] {
  return report.results.filter((r) => r.verdict !== "PASS").map((r) => `${r.id}: ${r.verdict} ${r.reason ?? ""}`);
}

describe("client conformance", () => {
  it("our SDK passes every scenario", { timeout: 240_000 }, async () => {
    const report = await runClientConformance(target(await bundledDriver("src/conformance/client/sdk-driver.ts", bundles)), CLIENT_FAMILIES);
    expect(notPassed(report)).toEqual([]);
    expect(report.totals.PASS).toBe(CLIENT_FAMILIES.reduce((n, family) => n + family.cases.length, 0));
  });

  it("a client that never pings and keeps no version order fails exactly those scenarios", { timeout: 120_000 }, async () => {
    const only = ["client.pings-at-announced-interval", "client.dead-link-reconnects", "client.keeps-highest-version", "client.stops-after-replaced-by-new-login"];
    const report = await runClientConformance(target(await bundledDriver("test/conformance/fixtures/careless-driver.ts", bundles)), CLIENT_FAMILIES, { only });
    const failed = report.results.filter((r) => r.verdict === "FAIL").map((r) => r.id);
    expect(failed, notPassed(report).join("\n")).toEqual(only.slice(0, 3));
    expect(report.totals.PASS).toBe(1);
  });

  it("a client that reconnects at once after any close and forgets its subscriptions fails exactly those scenarios", { timeout: 120_000 }, async () => {
    const only = ["client.resubscribes-after-reconnect", "client.reconnect-backs-off", "client.stops-after-replaced-by-new-login", "client.reconnects-after-heartbeat-timeout"];
    const report = await runClientConformance(target(await bundledDriver("test/conformance/fixtures/hasty-driver.ts", bundles)), CLIENT_FAMILIES, { only });
    const failed = report.results.filter((r) => r.verdict === "FAIL").map((r) => r.id);
    expect(failed, notPassed(report).join("\n")).toEqual(only.slice(0, 3));
    expect(report.totals.PASS).toBe(1);
  });
});
