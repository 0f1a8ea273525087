// `presence-wire conformance` as a user runs it: the CLI hands the words after
// "conformance" to the kit (docs/conformance.md) and exits with its status.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPresenceServer, type PresenceServer } from "../../src/server/server.js";

const SECRET = "cli-conformance-secret-0123456789";
let server: PresenceServer;

beforeAll(async () => {
  server = await startPresenceServer({ host: "127.0.0.1", port: 0, secret: SECRET, devSecret: false, app: { plan: "premium", featureEnabled: true } });
});

afterAll(async () => {
  await server.close();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("presence-wire conformance", () => {
  it("runs the server cases it is asked for and exits 0 when they pass", async () => {
    const run = await cli(["conformance", "server", server.url, "--secret", SECRET, "--case", "login.response", "--case", "ping.pong"]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/2 passed, 0 failed, 0 skipped/);
  });

  it("lists the cases, and exits 2 on a usage error", async () => {
    expect((await cli(["conformance", "list"])).stdout).toContain("subscribe.eviction");
    const usage = await cli(["conformance", "server"]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("ws:// or wss:// URL");
  });
});
