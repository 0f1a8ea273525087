// A redis-server (the Debian package's binary) on a free loopback port, in a
// directory of its own, stopped by PID: for tests, benchmarks and
// `npm run cluster`. Nothing here is used in production.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LocalRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  /**
   * Stops it (SIGKILL with `crash`: no save on the way out) and starts it
   * again on the same port and directory, after `whileDown` if given.
   */
  restart(options?: { crash?: boolean; whileDown?: () => Promise<void> }): Promise<void>;
  /** Stops it for good and removes its directory. */
  stop(): Promise<void>;
}

export interface LocalRedisOptions {
  /** Append-only file with fsync every second; off: the data lives only in memory. */
  persistence?: boolean;
  port?: number;
  binary?: string;
}

/** A free TCP port on 127.0.0.1 (free when asked: another process may take it before redis-server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export async function startLocalRedis(options: LocalRedisOptions = {}): Promise<LocalRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "presence-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--daemonize", "no", "--loglevel", "warning"];
  args.push(...(options.persistence ? ["--appendonly", "yes", "--appendfsync", "everysec"] : ["--appendonly", "no"]));
  let child = await launch(options.binary ?? "redis-server", args, port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    async restart({ crash = false, whileDown } = {}) {
      await kill(child, crash ? "SIGKILL" : "SIGTERM");
      await whileDown?.();
      child = await launch(options.binary ?? "redis-server", args, port);
    },
    async stop() {
      await kill(child, "SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Starts redis-server and resolves once it accepts connections (within 10 s). */
async function launch(binary: string, args: string[], port: number): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error) => reject(new Error(`${binary} could not start: ${error.message} (apt-get install redis-server)`)));
    child.once("exit", (code) => reject(new Error(`${binary} exited with ${code}: ${stderr.trim()}`)));
  });
  failed.catch(() => undefined);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await Promise.race([accepts(port), failed])) return child;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  child.kill("SIGKILL");
  throw new Error(`${binary} did not accept connections on port ${port} within 10 s`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill(signal);
  await exited;
}
