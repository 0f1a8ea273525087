// `npm run cluster`, as a user runs it: it prints every node's address, each
// node answers, they share one world, and Ctrl-C stops every process.
import { spawn } from "node:child_process";
import { expect, it } from "vitest";
import { UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import { RawPeer } from "../e2e/harness.js";
import { createToken, DEV_SECRET } from "../../src/token/token.js";

it("starts Redis and the nodes, prints their addresses, and stops them all on SIGINT", async () => {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/cluster.ts", "--nodes", "2"], { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PRESENCE_SECRET: "" } });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let output = "";
  const addresses = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no addresses within 60 s:\n${output}`)), 60_000);
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const urls = [...output.matchAll(/node-\d+: (ws:\/\/\S+)/g)].map((m) => m[1]!);
      if (urls.length === 2 && output.includes("stop:")) {
        clearTimeout(timer);
        resolve(urls);
      }
    });
  });
  const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  expect(pids).toHaveLength(3);
  try {
    const token = (userId: string) => createToken({ userId, expiresAtMs: Date.now() + 60_000 }, DEV_SECRET);
    const alice = await RawPeer.open(addresses[0]!);
    const bob = await RawPeer.open(addresses[1]!);
    await alice.login("alice", token("alice"));
    await bob.login("bob", token("bob"));
    const answer = await bob.request({ $case: "getUserStatusRequest", value: { userIds: ["alice"] } });
    expect(answer.body).toMatchObject({ value: { statuses: [{ userId: "alice", statusType: UserStatusType.USER_STATUS_TYPE_ONLINE }] } });
    alice.close();
    bob.close();
  } finally {
    child.kill("SIGINT");
    await exited;
  }
  for (const pid of pids) expect(alive(pid)).toBe(false);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
