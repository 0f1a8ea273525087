// The SDK over the platform (WHATWG) WebSocket that browsers and Node 22+ have, against the reference server.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, expect, it } from "vitest";
import type { PresenceServer } from "../../src/server/server.js";
import { startServer, tokenFor } from "../e2e/harness.js";

const exec = promisify(execFile);
let server: PresenceServer | undefined;
afterEach(async () => server?.close());

it("logs in, subscribes and receives a notification through the platform WebSocket", async () => {
  server = await startServer();
  const { stdout } = await exec(process.execPath, [
    "--experimental-websocket",
    "--no-warnings",
    "--import",
    "tsx",
    "test/client/fixtures/platform-client.ts",
    server.url,
    tokenFor("alice"),
    tokenFor("bob"),
  ]);
  expect(JSON.parse(stdout)).toEqual({ usesPlatform: true, customStatus: "from the platform WebSocket" });
});
