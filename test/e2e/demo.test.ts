// `npm run demo` must show the whole protocol working: this runs it and reads what it printed.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const exec = promisify(execFile);

it("runs the scripted demo session to the end", async () => {
  const { stdout } = await exec(process.execPath, ["--import", "tsx", "examples/demo.ts"], { timeout: 60_000 });
  expect(stdout).toMatch(/snapshot alice: ONLINE devices=\[IOS\]/);
  expect(stdout).toMatch(/\[bob\/web\] onUserStatusChanged alice: ONLINE "听歌中 🎧 listening to music"/);
  expect(stdout).toMatch(/nobody: error 70107/);
  expect(stdout).toMatch(/\[bob\/web\] onUserStatusChanged carol: OFFLINE \(v\d+, heartbeat_timeout\)/);
  expect(stdout).toMatch(/\[bob\/web\] onUserStatusChanged alice: UNLOGINED \(v\d+, logout\)/);
  expect(stdout.trim().endsWith("done")).toBe(true);
});
