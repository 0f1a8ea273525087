// One load generator process of the cluster benchmark: opens its share of
// connections (round-robin over the nodes' URLs), logs them in, subscribes
// its receivers, then its writers change their custom status at a steady
// rate, each status carrying the time it was sent. Receivers record the
// latency of every notification of a writer. Talks to the parent over IPC.
import WebSocket from "ws";
import { performance } from "node:perf_hooks";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { createToken } from "../../src/token/token.js";

export interface Setup {
  urls: string[];
  secret: string;
  /** This generator's receivers, each with the writers it subscribes to. */
  receivers: { userId: string; subscribesTo: string[] }[];
  writers: string[];
}

export type ToGenerator = { cmd: "setup"; setup: Setup } | { cmd: "run"; changesPerSecond: number; durationMs: number } | { cmd: "query"; count: number; userIds: string[] };
export type FromGenerator =
  | { kind: "ready" }
  | { kind: "ran"; changes: Record<string, number>; latenciesMs: number[]; received: number }
  | { kind: "queried"; latenciesMs: number[] };

const now = () => performance.timeOrigin + performance.now();

class Peer {
  private nextId = 1;
  private readonly waiting = new Map<number, (frame: Frame) => void>();
  onPush: (frame: Frame) => void = () => undefined;

  private constructor(readonly socket: WebSocket) {
    socket.on("message", (data: Buffer) => {
      const frame = decodeFrame(new Uint8Array(data));
      if (frame.requestId === 0) return this.onPush(frame);
      this.waiting.get(frame.requestId)?.(frame);
      this.waiting.delete(frame.requestId);
    });
  }

  static open(url: string): Promise<Peer> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => socket.once("open", () => resolve(new Peer(socket))).once("error", reject));
  }

  request(body: NonNullable<Frame["body"]>): Promise<Frame> {
    const requestId = this.nextId++;
    const answered = new Promise<Frame>((resolve) => this.waiting.set(requestId, resolve));
    this.socket.send(encodeFrame({ requestId, body }));
    return answered;
  }

  send(body: NonNullable<Frame["body"]>): void {
    this.socket.send(encodeFrame({ requestId: this.nextId++, body }));
  }
}

let setup: Setup;
const writers: Peer[] = [];
const receivers: Peer[] = [];
let latencies: number[] = [];
let received = 0;

async function connect(userId: string, index: number): Promise<Peer> {
  const peer = await Peer.open(setup.urls[index % setup.urls.length]!);
  const token = createToken({ userId, expiresAtMs: Date.now() + 3600_000 }, setup.secret);
  const answer = await peer.request({ $case: "loginRequest", value: { userId, token, platform: Platform.PLATFORM_LINUX, deviceId: "bench", clientVersion: "bench/1" } });
  if (answer.body?.$case !== "loginResponse") throw new Error(`login of ${userId} refused: ${JSON.stringify(answer.body)}`);
  return peer;
}

/** Connects in batches, so the nodes see a burst of logins, not ten thousand at once. */
async function inBatches<T>(items: T[], run: (item: T, index: number) => Promise<void>, batch = 200): Promise<void> {
  for (let i = 0; i < items.length; i += batch) await Promise.all(items.slice(i, i + batch).map((item, j) => run(item, i + j)));
}

async function onSetup(message: Setup): Promise<void> {
  setup = message;
  await inBatches(setup.writers, async (userId, i) => void writers.push(await connect(userId, i)));
  await inBatches(setup.receivers, async ({ userId, subscribesTo }, i) => {
    const peer = await connect(userId, i + setup.writers.length);
    const answer = await peer.request({ $case: "subscribeUserStatusRequest", value: { userIds: subscribesTo } });
    if (answer.body?.$case !== "subscribeUserStatusResponse") throw new Error(`subscribe of ${userId} refused: ${JSON.stringify(answer.body)}`);
    peer.onPush = (frame) => {
      if (frame.body?.$case !== "userStatusChanged") return;
      const at = now();
      for (const status of frame.body.value.statuses) {
        if (!status.customStatus.startsWith("t:")) continue;
        const sent = Number(status.customStatus.slice(2));
        if (!Number.isFinite(sent)) continue;
        received++;
        latencies.push(at - sent);
      }
    };
    receivers.push(peer);
  });
  send({ kind: "ready" });
}

async function onRun(changesPerSecond: number, durationMs: number): Promise<void> {
  latencies = [];
  received = 0;
  const changes: Record<string, number> = {};
  const total = Math.floor((changesPerSecond * durationMs) / 1000);
  const start = now();
  for (let i = 0; i < total && writers.length > 0; i++) {
    const due = start + (i * 1000) / changesPerSecond;
    const wait = due - now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const w = i % writers.length;
    writers[w]!.send({ $case: "setSelfStatusRequest", value: { customStatus: `t:${now().toFixed(3)}` } });
    changes[setup.writers[w]!] = (changes[setup.writers[w]!] ?? 0) + 1;
  }
  // Notifications still in flight arrive within the drain time, or count as lost.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  send({ kind: "ran", changes, latenciesMs: latencies, received });
}

async function onQuery(count: number, userIds: string[]): Promise<void> {
  const peer = writers[0] ?? receivers[0]!;
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = now();
    const answer = await peer.request({ $case: "getUserStatusRequest", value: { userIds } });
    if (answer.body?.$case !== "getUserStatusResponse") throw new Error(`query refused: ${JSON.stringify(answer.body)}`);
    result.push(now() - start);
  }
  send({ kind: "queried", latenciesMs: result });
}

function send(message: FromGenerator): void {
  process.send!(message);
}

process.on("message", (message: ToGenerator) => {
  const done = message.cmd === "setup" ? onSetup(message.setup) : message.cmd === "run" ? onRun(message.changesPerSecond, message.durationMs) : onQuery(message.count, message.userIds);
  done.catch((error: unknown) => {
    process.stderr.write(`generator: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
});
process.on("disconnect", () => process.exit(0));
