// The reference server as the load tool starts it: `npm start`'s
// configuration path (a JSON file named by PRESENCE_CONFIG, environment
// variables) in a child process of its own, which also answers the
// orchestrator's questions about its own memory, CPU and event-loop delay.
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadServerConfig } from "../../src/server/config.js";
import { jsonLogger } from "../../src/server/log.js";
import { startPresenceServer } from "../../src/server/server.js";
import { StepProfiler } from "./profile.js";
import { cpuUs, serveRpc, userCpuUs } from "./rpc.js";

const config = loadServerConfig();
const logger = jsonLogger(config.logLevel, (line) => process.stderr.write(line));
/** The phases of the shutdown, as the server's "stopped" line gives them. */
let shutdownPhases: Record<string, unknown> | undefined;
const server = await startPresenceServer({
  ...config,
  logger: {
    log(level, message, fields) {
      if (message === "stopped") shutdownPhases = fields;
      logger.log(level, message, fields);
    },
  },
});
// How late the event loop ran since the last `stats` (the timers' lateness), at 10 ms resolution.
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();

/** Write system calls this process made so far (Linux /proc/self/io), or null elsewhere: the kernel writes behind the notifications. */
function writeSyscalls(): number | null {
  try {
    return Number(/^syscw: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? NaN);
  } catch {
    return null;
  }
}

let profiler: StepProfiler | undefined;

serveRpc({
  async profileStart() {
    profiler = new StepProfiler();
    await profiler.start();
  },
  async profileStop(args: { file: string }) {
    const top = await profiler?.stop(args.file);
    profiler = undefined;
    return top;
  },
  stats() {
    const stats = {
      rssBytes: process.memoryUsage.rss(),
      heapUsedBytes: process.memoryUsage().heapUsed,
      cpuUs: cpuUs(),
      userCpuUs: userCpuUs(),
      connections: server.connectionCount,
      loopDelayMaxMs: delay.max / 1e6,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
      writeSyscalls: writeSyscalls(),
    };
    delay.reset();
    return stats;
  },
  async stop(args: { profileFile?: string }) {
    const shutdownProfiler = args.profileFile === undefined ? undefined : new StepProfiler();
    await shutdownProfiler?.start();
    const start = performance.now();
    const startCpuUs = cpuUs();
    await server.close();
    const shutdownMs = performance.now() - start;
    const shutdownCpuMs = (cpuUs() - startCpuUs) / 1000;
    const profile = await shutdownProfiler?.stop(args.profileFile!);
    setTimeout(() => process.exit(0), 50).unref();
    return { shutdownMs, shutdownCpuMs, phasesMs: shutdownPhases, profile };
  },
});
process.send?.({ listening: server.url, pid: process.pid });
