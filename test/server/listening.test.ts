// The server started as a process (npm start's entry, and `presence-wire serve`) announces where it
// listens on one JSON line of standard output, whatever the log level (docs/protocol.md section 10).
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { errorOf, RawPeer, SECRET } from "../e2e/harness.js";

interface Listening {
  event: "listening";
  url: string;
  port: number;
  health: string;
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGTERM");
});

/** Starts `args` under node with a free port and resolves with the announced line. */
function startListening(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Listening> {
  const child = spawn(process.execPath, args, { env: { ...process.env, PRESENCE_PORT: "0", PRESENCE_LOG_LEVEL: "warn", ...env } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no listening line within 30 s:\n${output}`)), 30_000);
    child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split("\n").slice(0, -1)) {
        const parsed = JSON.parse(line) as Partial<Listening>;
        if (parsed.event !== "listening") continue;
        clearTimeout(timer);
        resolve(parsed as Listening);
      }
    });
    child.once("exit", (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
}

describe("the server process", () => {
  it("prints the chosen port as a JSON line and answers there", async () => {
    const listening = await startListening(["--import", "tsx", "src/server/main.ts"]);
    expect(listening.url).toBe(`ws://127.0.0.1:${listening.port}/presence`);
    const health = (await (await fetch(listening.health)).json()) as { status: string };
    expect(health.status).toBe("ok");
  });

  it("starts from `presence-wire serve`, configured by the same variables as npm start", async () => {
    const listening = await startListening(["--import", "tsx", "src/cli/main.ts", "serve"], { PRESENCE_SECRET: SECRET, PRESENCE_PLAN: "basic" });
    const peer = await RawPeer.open(listening.url);
    try {
      expect((await peer.login("alice")).body?.$case).toBe("loginResponse"); // PRESENCE_SECRET in force
      const query = await peer.request({ $case: "getUserStatusRequest", value: { userIds: ["bob"] } });
      expect(errorOf(query).code).toBe(ErrorCode.ERROR_CODE_PREMIUM_REQUIRED); // PRESENCE_PLAN in force
    } finally {
      peer.close();
    }
  });
});
