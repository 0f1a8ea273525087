// What one connection's end-of-turn flush of a notification costs the server,
// by the way it reaches the socket: "ws" corks the TCP socket, sends the
// frame with ws.send (a header and the payload, two chunks) and uncorks it
// (one writev), as the server did before src/server/frame-writer.ts;
// "direct" writes header and payload in one buffer with the frame writer
// (one plain write), as it does now. One process holds the server ends (ws
// server sockets), another the clients, which read and discard; each turn
// flushes one notification to each of `--per-turn` connections round-robin
// (a change's receivers), then yields to the event loop.
//   node --import tsx bench/load/flush-cost.ts [--connections 10000] [--per-turn 500] [--flushes 100000] [--processes 4]
// Each variant runs in a fresh process, taking turns; prints CPU µs per flush (user, system).
import { fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { parseArgs } from "node:util";
import WebSocket, { WebSocketServer } from "ws";
import { writeMessages } from "../../src/server/frame-writer.js";

const PAYLOAD_BYTES = 60;
const DEADLINE_MS = 8 * 60_000;

const role = process.argv[2];
if (role === "clients") void clients(Number(process.argv[3]), Number(process.argv[4]));
else if (role === "server") void server(process.argv[3] as "ws" | "direct", Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6]));
else void main();

/** Opens `count` clients to the port, 200 at a time, reading and discarding; says when all are open. */
async function clients(port: number, count: number): Promise<void> {
  const open: WebSocket[] = [];
  for (let i = 0; i < count; i += 200) {
    const batch = Array.from({ length: Math.min(200, count - i) }, () => new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false }));
    await Promise.all(batch.map((socket) => once(socket, "open")));
    open.push(...batch);
  }
  process.send!("open");
  process.on("disconnect", () => process.exit(0));
}

async function server(variant: "ws" | "direct", connections: number, perTurn: number, flushes: number): Promise<void> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await once(wss, "listening");
  const sockets: { socket: WebSocket; tcp: Socket }[] = [];
  wss.on("connection", (socket, request) => sockets.push({ socket, tcp: request.socket }));
  const peer = fork(import.meta.filename, ["clients", String((wss.address() as AddressInfo).port), String(connections)], { execArgv: ["--import", "tsx"] });
  await once(peer, "message");
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x2a);
  const flush =
    variant === "ws"
      ? (c: (typeof sockets)[number]) => {
          c.tcp.cork();
          c.socket.send(payload);
          c.tcp.uncork();
        }
      : (c: (typeof sockets)[number]) => writeMessages(c.socket, c.tcp, [payload]);
  let next = 0;
  const turn = (count: number) => {
    for (let i = 0; i < count; i++) {
      flush(sockets[next]!);
      next = next + 1 === sockets.length ? 0 : next + 1;
    }
  };
  for (let done = 0; done < sockets.length; done += perTurn) turn(perTurn); // warm-up
  await new Promise((resolve) => setTimeout(resolve, 200));
  const start = process.cpuUsage();
  for (let done = 0; done < flushes; done += perTurn) {
    turn(Math.min(perTurn, flushes - done));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const used = process.cpuUsage(start);
  process.send!({ variant, user: used.user / flushes, system: used.system / flushes }, () => {
    peer.kill();
    process.exit(0);
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      connections: { type: "string", default: "10000" },
      "per-turn": { type: "string", default: "500" },
      flushes: { type: "string", default: "100000" },
      processes: { type: "string", default: "4" },
    },
  });
  const [connections, perTurn, flushes, processes] = [values.connections, values["per-turn"], values.flushes, values.processes].map(Number) as [number, number, number, number];
  if ([connections, perTurn, flushes, processes].some((n) => !Number.isInteger(n) || n < 1) || connections > 18_000) throw new Error("positive integers; at most 18,000 connections (each process holds one end of each, within its descriptor limit)");
  const running = new Set<ChildProcess>();
  const deadline = setTimeout(() => {
    for (const c of running) c.kill("SIGKILL");
    process.exit(1);
  }, DEADLINE_MS);
  const results: Record<string, { user: number; system: number }[]> = { ws: [], direct: [] };
  for (let p = 0; p < processes; p++) {
    for (const variant of ["ws", "direct"] as const) {
      const child = fork(import.meta.filename, ["server", variant, String(connections), String(perTurn), String(flushes)], { execArgv: ["--import", "tsx"] });
      running.add(child);
      const [result] = (await once(child, "message")) as [{ user: number; system: number }];
      results[variant]!.push(result);
      await once(child, "exit");
      running.delete(child);
    }
  }
  clearTimeout(deadline);
  for (const [variant, runs] of Object.entries(results)) {
    const line = runs.map((r) => `${(r.user + r.system).toFixed(2)} (${r.user.toFixed(2)} user)`).join(", ");
    console.log(`${variant}: CPU µs per flush: ${line}`);
  }
}
