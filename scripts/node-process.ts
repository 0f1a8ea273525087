// A server node as its own process (`node --import tsx src/server/main.ts`,
// what `npm start` runs): for `npm run cluster`, the cluster benchmark, and
// tests that SIGKILL a node (no goodbye, no cleanup).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface NodeProcess {
  readonly url: string;
  readonly pid: number;
  readonly output: () => string;
  /** Kills it (SIGKILL by default) and resolves once it is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a node on a free loopback port (unless `env` says otherwise) and resolves with its URL once it listens. */
export async function startNodeProcess(env: Record<string, string>, options: { inheritOutput?: boolean } = {}): Promise<NodeProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/server/main.ts"], {
    cwd: root,
    env: { ...process.env, PRESENCE_HOST: "127.0.0.1", PRESENCE_PORT: "0", PRESENCE_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", options.inheritOutput ? "inherit" : "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node did not listen within 30 s:\n${output}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const found = output.match(/listening on (ws:\/\/\S+)/);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    pid: child.pid!,
    output: () => output,
    async kill(signal = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
