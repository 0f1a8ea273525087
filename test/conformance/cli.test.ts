// The kit's command line: options, exit statuses, and the JSON and HTML reports it writes.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDuration, runConformanceCli } from "../../src/conformance/cli.js";
import type { ConformanceReport } from "../../src/conformance/report/model.js";
import { SERVER_FAMILIES } from "../../src/conformance/server/index.js";
import { SECRET, startReferenceServers, type ReferenceServers } from "./reference-servers.js";
import { startTamperingProxy } from "./tampering-proxy.js";

let servers: ReferenceServers;
let dir: string;

beforeAll(async () => {
  servers = await startReferenceServers();
  dir = mkdtempSync(join(tmpdir(), "conformance-cli-"));
});

afterAll(async () => {
  await servers.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runConformanceCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe("presence-wire conformance", () => {
  it("prints a line per case, writes JSON and HTML reports and exits 0 when nothing failed", async () => {
    const json = join(dir, "report.json");
    const html = join(dir, "report.html");
    const { code, out } = await run(["server", servers.main.url, "--secret", SECRET, "--case", "login.", "--json", json, "--html", html]);
    expect(code).toBe(0);
    expect(out).toMatch(/login\.token-expired\s+PASS/);
    const report = JSON.parse(readFileSync(json, "utf8")) as ConformanceReport;
    const loginCases = SERVER_FAMILIES.flatMap((family) => family.cases).filter((c) => c.id.startsWith("login.")).length;
    expect(report.totals).toEqual({ PASS: loginCases, FAIL: 0, SKIPPED: 0 });
    const evidence = report.results[0]?.evidence ?? [];
    expect(evidence.some((e) => e.direction === "received" && e.summary.includes("loginResponse"))).toBe(true);
    // Reports get published: the tokens the kit logged in with are not in them.
    expect(evidence.find((e) => e.summary.includes("loginRequest"))?.summary).toContain('"token":"(hidden)"');
    const page = readFileSync(html, "utf8");
    expect(page).toContain("<!doctype html>");
    expect(page).not.toMatch(/<script|<link|src=/);
  });

  it("exits 1 on a FAIL and shows the reason", async () => {
    const proxy = await startTamperingProxy(servers.main.url, { fromServer: (frame) => (frame.body?.$case === "pong" ? undefined : frame) });
    try {
      const { code, out } = await run(["server", proxy.url, "--secret", SECRET, "--case", "ping.pong", "--timeout", "1s"]);
      expect(code).toBe(1);
      expect(out).toMatch(/ping\.pong\s+FAIL[\s\S]*no answer to request/);
    } finally {
      await proxy.close();
    }
  });

  it("takes tokens from --token-command, skips what it has no option for, and exits 1 on a skip only with --fail-on-skip", async () => {
    const saved = process.env.PRESENCE_SECRET;
    process.env.PRESENCE_SECRET = SECRET;
    try {
      const tokenCommand = "node --import tsx src/cli/main.ts token {user}";
      const lenient = await run(["server", servers.main.url, "--token-command", tokenCommand, "--case", "login.response", "--case", "login.token-expired"]);
      expect(lenient.code, lenient.out).toBe(0);
      expect(lenient.out).toMatch(/login\.response\s+PASS/);
      expect(lenient.out).toMatch(/login\.token-expired\s+SKIPPED[\s\S]*needs --secret/);
    } finally {
      if (saved === undefined) delete process.env.PRESENCE_SECRET;
      else process.env.PRESENCE_SECRET = saved;
    }
    const strict = await run(["server", servers.main.url, "--secret", SECRET, "--case", "switch-off.own", "--fail-on-skip"]);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/SKIPPED[\s\S]*--switch-off-url/);
  });

  it("runs client scenarios against the driver a team gives", async () => {
    const driver = "node --import tsx src/conformance/client/sdk-driver.ts";
    const { code, out } = await run(["client", "--driver", driver, "--case", "client.requests-on-the-wire"]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/client\.requests-on-the-wire\s+PASS/);
    expect((await run(["client"])).code).toBe(2);
  });

  it("exits 2 on a usage error or an unreachable server", async () => {
    expect((await run(["server", servers.main.url])).code).toBe(2);
    expect((await run(["server", "http://x", "--secret", SECRET])).code).toBe(2);
    expect((await run(["server", servers.main.url, "--secret", SECRET, "--max-wait", "soon"])).code).toBe(2);
    expect((await run(["server", servers.main.url, "--secret", SECRET, "--case", "no-such-case"])).err).toMatch(/no case matches --case no-such-case/);
    const unreachable = await run(["server", "ws://127.0.0.1:1/presence", "--secret", SECRET]);
    expect(unreachable.code).toBe(2);
    expect(unreachable.err).toMatch(/cannot log in/);
  });

  it("lists every case with its rule", async () => {
    const { code, out } = await run(["list"]);
    expect(code).toBe(0);
    expect(out).toMatch(/subscribe\.eviction[\s\S]*rule: session\.proto Limits\.max_subscriptions/);
  });

  it("runs as its own entry point", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "src/conformance/main.ts", "--help"]);
    expect(stdout).toContain("presence-wire conformance server WS_URL");
  });
});

describe("durations", () => {
  it("reads ms, s (the default) and m", () => {
    expect([parseDuration("500ms", "x"), parseDuration("45", "x"), parseDuration("1.5s", "x"), parseDuration("10m", "x")]).toEqual([500, 45_000, 1500, 600_000]);
    expect(() => parseDuration("fast", "--max-wait")).toThrow(/--max-wait/);
  });
});
