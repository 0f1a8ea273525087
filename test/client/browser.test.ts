// The SDK in a real browser: bundled with esbuild, run in headless Chromium
// (Debian's package; .ci/run installs it), talking to the reference server.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterEach, expect, it } from "vitest";
import type { PresenceServer } from "../../src/server/server.js";
import { startServer, tokenFor } from "../e2e/harness.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((path) => existsSync(path));
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// CI installs Chromium, so there the test always runs; a developer without it sees it skipped.
it.skipIf(CHROMIUM === undefined && !process.env.CI)("runs the SDK in headless Chromium against the reference server", async () => {
  if (CHROMIUM === undefined) throw new Error("Chromium is not installed (apt-get install chromium)");
  const presence: PresenceServer = await startServer();
  cleanups.push(() => presence.close());

  const bundle = await build({
    entryPoints: ["test/client/fixtures/browser-client.ts"],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
  });
  const script = bundle.outputFiles[0]!.text;

  let report: (value: unknown) => void = () => undefined;
  const reported = new Promise<unknown>((resolve) => (report = resolve));
  const page: Server = createServer((request, response) => {
    if (request.method === "POST" && request.url === "/result") {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        report(JSON.parse(Buffer.concat(chunks).toString()));
        response.end();
      });
      return;
    }
    if (request.url === "/client.js") {
      response.writeHead(200, { "content-type": "text/javascript" }).end(script);
      return;
    }
    response.writeHead(200, { "content-type": "text/html" }).end('<!doctype html><script type="module" src="/client.js"></script>');
  });
  await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => page.close(resolve)));

  const profile = mkdtempSync(join(tmpdir(), "presence-chromium-"));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
  const settings = encodeURIComponent(JSON.stringify({ url: presence.url, aliceToken: tokenFor("alice"), bobToken: tokenFor("bob") }));
  const browser = spawn(CHROMIUM, [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    `--user-data-dir=${profile}`,
    `http://127.0.0.1:${(page.address() as AddressInfo).port}/#${settings}`,
  ], { stdio: "ignore", detached: true });
  const exited = new Promise((resolve) => browser.once("exit", resolve));
  cleanups.push(async () => {
    // Chromium runs several processes; kill its whole process group.
    process.kill(-browser.pid!, "SIGKILL");
    await exited;
  });

  const outcome = await Promise.race([
    reported,
    new Promise((_, reject) => setTimeout(() => reject(new Error("no report from Chromium within 45 s")), 45_000)),
  ]);
  expect(outcome).toEqual({
    ok: true,
    result: {
      userAgentIsChromium: true,
      heartbeatIntervalMs: 120_000,
      customStatus: "从浏览器 🌐",
      queried: ["alice"],
      failed: [["nobody", 70107]],
      version: "2",
      onlineEvent: ["socket-closed", "network-online", "logged-in", "client-closed"],
    },
  });
}, 90_000);
