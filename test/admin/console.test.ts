// The console in a real browser: Debian's Chromium driven by puppeteer-core
// (no browser download), against the reference server over real sockets. The
// operator flips the feature switch in the page; a connected client's next
// query of others gets 72001. A screenshot lands in test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterEach, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { PresenceClient } from "../../src/client/index.js";
import type { PresenceServer } from "../../src/server/server.js";
import { sdkClient } from "../e2e/harness.js";
import { ADMIN_KEY, httpBase, startAdminServer } from "./harness.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].find((path) => existsSync(path));
const ARTIFACTS = "test-artifacts";
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "presence-console-"));
  cleanups.push(() => rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const pid = browser.process()?.pid;
  cleanups.push(async () => {
    await browser.close().catch(() => undefined);
    // Chromium runs several processes; make sure none outlives the test.
    try {
      if (pid !== undefined) process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  });
  return browser;
}

const text = (page: Page, selector: string) => page.$eval(selector, (element) => element.textContent ?? "");

// CI installs Chromium, so there the test always runs; a developer without it sees it skipped.
it.skipIf(CHROMIUM === undefined && !process.env.CI)("flips the feature switch in the console: a connected client's next query gets 72001", async () => {
  if (CHROMIUM === undefined) throw new Error("Chromium is not installed (apt-get install chromium)");
  const server: PresenceServer = await startAdminServer({ users: ["bob"] });
  cleanups.push(() => server.close());
  const alice: PresenceClient = sdkClient(server, "alice");
  cleanups.push(() => alice.close());

  const browser = await launch();
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  // The console asks for the admin key with HTTP Basic; this answers the browser's prompt.
  await page.authenticate({ username: "operator", password: ADMIN_KEY });
  await page.goto(`${httpBase(server)}/console`);
  await page.waitForFunction(() => (document.getElementById("featureEnabled") as HTMLInputElement).checked);
  await page.waitForFunction(() => document.getElementById("feed-status")?.textContent === "live");

  await alice.login();
  expect((await alice.getUserStatus(["bob"])).statuses).toHaveLength(1);
  // The live feed shows alice's login, and the counts catch up.
  await page.waitForFunction(() => Array.from(document.querySelectorAll("#feed li")).some((li) => /alice\s+ONLINE\s+\(LOGIN\)/.test(li.textContent ?? "")));
  await page.waitForFunction(() => document.getElementById("count-onlineUsers")?.textContent === "1");

  await page.type("#lookup-ids", "alice, ghost");
  await page.click("#lookup-form button");
  await page.waitForFunction(() => document.querySelector("#lookup-rows tr")?.textContent?.includes("ONLINE"));
  expect(await text(page, "#lookup-status")).toBe("ghost: ACCOUNT_NOT_FOUND");

  await page.click("#featureEnabled");
  await page.waitForFunction(() => document.getElementById("switches-status")?.textContent?.startsWith("saved"));
  expect(server.engine.settings.featureEnabled).toBe(false);
  await expect(alice.getUserStatus(["bob"])).rejects.toMatchObject({ code: ErrorCode.ERROR_CODE_FEATURE_DISABLED });

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, "console.png"), fullPage: true });
}, 120_000);
