// The floor one write per notification puts under the server's CPU per
// notification: the CPU time of one loopback TCP write of a ~60-byte frame,
// the size of one status notification, from one process to N connections
// round-robin (as a change's receivers are, each a different connection),
// with the reading side in another process.
//   node --import tsx bench/load/write-floor.ts [--connections 1000,10000] [--processes 5] [--writes 100000] [--frames-per-write 1,8] [--out FILE]
// Each run is a fresh writer process; one reader process holds the other
// ends for all runs of a connection count (both ends are descriptors: 10,000
// pairs need 10,000 in each process, within the limit of 20,000). The writer
// reports its CPU time per write call (process.cpuUsage, user and system, and
// its JS thread's own time from /proc/thread-self/schedstat) over chunks of
// writes; --frames-per-write 8 writes eight frames' bytes in one call, to
// show what a call costs against what a byte costs.
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { threadCpuNanos, measuresThreadCpu } from "../thread-clock.js";

const FRAME_BYTES = 60;
const CHUNK = 5000;
const DEADLINE_MS = 10 * 60_000;

type Message = { ready: number } | { run: WriterResult } | { received: number };

interface WriterResult {
  connections: number;
  framesPerWrite: number;
  writes: number;
  cpuUsPerWrite: number;
  userUsPerWrite: number;
  systemUsPerWrite: number;
  threadUsPerWrite: number;
  /** µs per write of each chunk of CHUNK writes (process CPU). */
  chunkUsPerWrite: number[];
  /** Bytes Node still held at the end instead of the kernel (0: every write was a system call). */
  queuedBytes: number;
  wallUsPerWrite: number;
}

const role = process.argv[2];
if (role === "reader") void reader();
else if (role === "writer") void writer(Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
else void main();

/** Accepts connections and reads (discarding) whatever arrives; tells the parent its port. */
async function reader(): Promise<void> {
  let received = 0;
  const server = net.createServer((socket) => {
    socket.on("data", (chunk) => (received += chunk.length));
    socket.on("error", () => undefined);
  });
  server.maxConnections = 19_000;
  server.listen(0, "127.0.0.1", 4096);
  await once(server, "listening");
  process.send!({ ready: (server.address() as net.AddressInfo).port } satisfies Message);
  process.on("message", () => process.send!({ received } satisfies Message));
  process.on("disconnect", () => process.exit(0));
}

async function writer(port: number, connections: number, writes: number, framesPerWrite: number): Promise<void> {
  const sockets: net.Socket[] = [];
  for (let opened = 0; opened < connections; opened += 200) {
    const batch = Array.from({ length: Math.min(200, connections - opened) }, () => net.connect(port, "127.0.0.1"));
    await Promise.all(batch.map((socket) => once(socket, "connect")));
    for (const socket of batch) socket.setNoDelay(true);
    sockets.push(...batch);
  }
  const payload = Buffer.alloc(FRAME_BYTES * framesPerWrite, 0x2a);
  // Warm-up: every socket written once, the code paths compiled.
  for (const socket of sockets) socket.write(payload);
  await new Promise((resolve) => setTimeout(resolve, 200));

  const chunkUsPerWrite: number[] = [];
  const start = process.cpuUsage();
  const startThread = threadCpuNanos();
  const startWall = process.hrtime.bigint();
  let next = 0;
  for (let done = 0; done < writes; done += CHUNK) {
    const before = process.cpuUsage();
    const n = Math.min(CHUNK, writes - done);
    for (let i = 0; i < n; i++) {
      sockets[next]!.write(payload);
      next = next + 1 === sockets.length ? 0 : next + 1;
    }
    const used = process.cpuUsage(before);
    chunkUsPerWrite.push((used.user + used.system) / n);
    // Lets the writes' callbacks run, as a server's event loop would between turns.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(start);
  const result: WriterResult = {
    connections,
    framesPerWrite,
    writes,
    cpuUsPerWrite: (used.user + used.system) / writes,
    userUsPerWrite: used.user / writes,
    systemUsPerWrite: used.system / writes,
    threadUsPerWrite: (threadCpuNanos() - startThread) / 1000 / writes,
    chunkUsPerWrite,
    wallUsPerWrite: Number(process.hrtime.bigint() - startWall) / 1000 / writes,
    queuedBytes: sockets.reduce((sum, socket) => sum + socket.writableLength, 0),
  };
  process.send!({ run: result } satisfies Message, () => {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  });
}

function child(args: string[]): ChildProcess {
  return fork(import.meta.filename, args, { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
}

function next(proc: ChildProcess, timeoutMs: number): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("child process did not answer in time")), timeoutMs);
    proc.once("message", (message) => {
      clearTimeout(timer);
      resolve(message as Message);
    });
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child process exited (${code})`));
    });
  });
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (value: number) => Math.round(value * 1000) / 1000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: "string", default: "1000,10000" },
      processes: { type: "string", default: "5" },
      writes: { type: "string", default: "100000" },
      "frames-per-write": { type: "string", default: "1,8" },
      out: { type: "string", default: path.join(import.meta.dirname, "..", "results", "write-floor.json") },
    },
  });
  const counts = values.connections.split(",").map(Number);
  const perWrite = values["frames-per-write"].split(",").map(Number);
  const processes = Number(values.processes);
  const writes = Number(values.writes);
  if ([...counts, ...perWrite, processes, writes].some((n) => !Number.isInteger(n) || n < 1) || counts.some((n) => n > 19_000)) {
    throw new Error("counts must be positive integers, at most 19,000 connections (each process holds one end of each, within its descriptor limit)");
  }
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  const children = new Set<ChildProcess>();
  const deadline = setTimeout(() => {
    for (const c of children) c.kill("SIGKILL");
    console.error("write-floor: over its time bound, stopped");
    process.exit(1);
  }, DEADLINE_MS);
  const variants = [];
  try {
    for (const connections of counts) {
      const read = child(["reader"]);
      children.add(read);
      const ready = await next(read, 30_000);
      if (!("ready" in ready)) throw new Error("reader did not start");
      const runs: WriterResult[] = [];
      // Interleaved: each frame count in its own process, taking turns.
      for (let p = 0; p < processes; p++) {
        for (const framesPerWrite of perWrite) {
          const write = child(["writer", String(ready.ready), String(connections), String(writes), String(framesPerWrite)]);
          children.add(write);
          const message = await next(write, 120_000);
          if (!("run" in message)) throw new Error("writer did not report");
          runs.push(message.run);
          await once(write, "exit");
          children.delete(write);
        }
      }
      read.kill();
      children.delete(read);
      for (const framesPerWrite of perWrite) {
        const mine = runs.filter((r) => r.framesPerWrite === framesPerWrite);
        const perProcess = mine.map((r) => r.cpuUsPerWrite).sort((a, b) => a - b);
        const chunks = mine.flatMap((r) => r.chunkUsPerWrite).sort((a, b) => a - b);
        variants.push({
          connections,
          frames_per_write: framesPerWrite,
          bytes_per_write: FRAME_BYTES * framesPerWrite,
          processes: mine.length,
          writes_per_process: writes,
          cpu_us_per_write_median: round(quantile(perProcess, 0.5)),
          cpu_us_per_write_min: round(perProcess[0]!),
          cpu_us_per_write_max: round(perProcess.at(-1)!),
          cpu_us_per_frame_median: round(quantile(perProcess, 0.5) / framesPerWrite),
          chunk_us_per_write: { p10: round(quantile(chunks, 0.1)), p50: round(quantile(chunks, 0.5)), p90: round(quantile(chunks, 0.9)), p99: round(quantile(chunks, 0.99)) },
          runs: mine.map((r) => ({
            cpu_us_per_write: round(r.cpuUsPerWrite),
            user_us_per_write: round(r.userUsPerWrite),
            system_us_per_write: round(r.systemUsPerWrite),
            thread_us_per_write: round(r.threadUsPerWrite),
            wall_us_per_write: round(r.wallUsPerWrite),
            queued_in_node_bytes: r.queuedBytes,
          })),
        });
        const v = variants.at(-1)!;
        console.log(`${connections} connections, ${framesPerWrite} frame(s) per write: ${v.cpu_us_per_write_median} µs CPU per write (min ${v.cpu_us_per_write_min}, max ${v.cpu_us_per_write_max} over ${v.processes} processes)`);
      }
    }
  } finally {
    clearTimeout(deadline);
    for (const c of children) c.kill("SIGKILL");
  }
  const report = {
    command: `node --import tsx bench/load/write-floor.ts ${process.argv.slice(2).join(" ")}`.trim(),
    started_at: startedAt,
    load_average_before: loadBefore.map(round),
    load_average_after: os.loadavg().map(round),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, node: process.version, thread_clock: measuresThreadCpu ? "schedstat" : "wall" },
    frame_bytes: FRAME_BYTES,
    variants,
  };
  fs.writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written to ${values.out}`);
}
