// One load generator process (started by bench/load/main.ts): holds its share
// of the users' connections over raw `ws` and the project's codecs (the SDK's
// reconnection and bookkeeping would cost more than the server under test),
// logs them in, heartbeats, subscribes, changes the writers' statuses at a
// rate, sends 500-user queries at a rate, and measures what comes back:
// fan-out latency, versions skipped or out of order, and what never arrived.
import WebSocket from "ws";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { decodeStatusFrame } from "../../src/fast/index.js";
import { createToken } from "../../src/token/token.js";
import { isReceiver, isWriter, subscriptionsOf, userId, userIndex, watchedWriters, type GraphPlan } from "./graph.js";
import { Histogram } from "./histogram.js";
import { cpuUs, nowUs, serveRpc } from "./rpc.js";

export interface GeneratorSetup {
  index: number;
  generators: number;
  /** Users connect to urls[user % urls.length]. */
  urls: string[];
  secret: string;
  graph: GraphPlan;
  /** Connections opening at once. */
  concurrency: number;
}

interface Client {
  readonly user: number;
  readonly ws: WebSocket;
  nextRequestId: number;
  loggedIn: boolean;
  nextPingMs: number;
  /** Answers awaited by request id (login, subscribe). */
  readonly pending: Map<number, (frame: Frame) => void>;
  /** Queries in flight: request id → sent at (µs). */
  readonly queries: Map<number, number>;
  /** For a receiver: each watched writer's last version seen. */
  watched: Map<number, number> | undefined;
}

const ATTEMPT_TIMEOUT_MS = 30_000;
const MAX_LOGIN_ATTEMPTS = 20;
/** Connections opened again for one user after a failed one (a refused login past the login timeout, say), as a client reconnects. */
const MAX_RECONNECTS = 4;
const TICK_MS = 10;
const QUERY_USERS = 500;

let setup: GeneratorSetup;
const clients = new Map<number, Client>();
let heartbeatMs = 120_000;
let stopping = false;
const counters = { unexpectedCloses: 0, errors: {} as Record<string, number>, pongs: 0, reconnects: 0 };

// Per step: what the receivers saw.
let latency = new Histogram();
let delivered = 0;
let skipped = 0;
let reordered = 0;
let lastDeliveryUs = 0;
let writerVersions = new Map<number, number>();
let statusAnswers = 0;
// Per query phase.
let queryLatency = new Histogram();

const mine = (user: number) => user % setup.generators === setup.index;
const users = (filter: (user: number) => boolean) =>
  Array.from({ length: setup.graph.users }, (_, u) => u).filter((u) => mine(u) && filter(u));

function send(client: Client, frame: Omit<Frame, "_unknownFields" | "requestId">): number {
  const requestId = client.nextRequestId++;
  client.ws.send(encodeFrame({ ...frame, requestId } as Frame));
  return requestId;
}

function request(client: Client, body: Frame["body"]): Promise<Frame> {
  return new Promise<Frame>((resolve, reject) => {
    const id = send(client, { body });
    const timer = setTimeout(() => {
      client.pending.delete(id);
      reject(new Error("no answer"));
    }, ATTEMPT_TIMEOUT_MS);
    client.pending.set(id, (frame) => {
      clearTimeout(timer);
      resolve(frame);
    });
  });
}

/** The request id of a query answer, read off the frame's first field without decoding 500 statuses. */
function queryAnswerId(bytes: Buffer): number | undefined {
  if (bytes[0] !== 0x08) return undefined;
  let id = 0;
  let shift = 0;
  let i = 1;
  for (; i < 6; i++) {
    const byte = bytes[i]!;
    id += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) break;
  }
  return bytes[i + 1] === 0x32 ? id : undefined; // Frame.get_user_status_response
}

function onMessage(client: Client, bytes: Buffer): void {
  const queryId = queryAnswerId(bytes);
  if (queryId !== undefined) {
    const sentUs = client.queries.get(queryId);
    if (sentUs !== undefined) {
      client.queries.delete(queryId);
      queryLatency.record(nowUs() - sentUs);
    }
    return;
  }
  if (bytes[0] === 0x22) return onNotification(client, bytes); // Frame.user_status_changed, request id 0
  const frame = decodeFrame(bytes);
  const body = frame.body;
  if (body?.$case === "setSelfStatusResponse" && body.value.status) {
    statusAnswers++;
    writerVersions.set(client.user, Number(body.value.status.version));
    return;
  }
  if (body?.$case === "pong") counters.pongs++;
  if (body?.$case === "error") {
    const key = String(body.value.code);
    counters.errors[key] = (counters.errors[key] ?? 0) + 1;
    client.queries.delete(frame.requestId);
  }
  const waiter = client.pending.get(frame.requestId);
  if (waiter) {
    client.pending.delete(frame.requestId);
    waiter(frame);
  }
}

function onNotification(client: Client, bytes: Buffer): void {
  const watched = client.watched;
  if (!watched) return;
  const frame = decodeStatusFrame(bytes);
  if (frame?.body?.$case !== "userStatusChanged") return;
  const now = nowUs();
  for (const status of frame.body.value.statuses) {
    const writer = userIndex(status.userId);
    const last = watched.get(writer);
    if (last === undefined) continue;
    const version = Number(status.version);
    if (version <= last) {
      reordered++;
      continue;
    }
    if (version > last + 1) skipped += version - last - 1;
    watched.set(writer, version);
    delivered++;
    lastDeliveryUs = now;
    if (status.customStatus.startsWith("t")) latency.record(now - Number(status.customStatus.slice(1)));
  }
}

/** Opens and logs in one user's connection; resolves false when it fails. */
function connect(user: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const url = setup.urls[user % setup.urls.length]!;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const client: Client = { user, ws, nextRequestId: 1, loggedIn: false, nextPingMs: 0, pending: new Map(), queries: new Map(), watched: undefined };
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok) ws.terminate();
      resolve(ok);
    };
    const timer = setTimeout(() => settle(false), ATTEMPT_TIMEOUT_MS);
    ws.on("error", () => settle(false));
    ws.on("unexpected-response", (_request, response) => {
      counters.errors[`http ${response.statusCode}`] = (counters.errors[`http ${response.statusCode}`] ?? 0) + 1;
      settle(false);
    });
    ws.on("close", () => {
      clients.delete(user);
      if (client.loggedIn && !stopping) counters.unexpectedCloses++;
      settle(false);
    });
    ws.on("message", (data) => onMessage(client, data as Buffer));
    const token = createToken({ userId: userId(user), expiresAtMs: Date.now() + 24 * 3600_000 }, setup.secret);
    const login = (attempt: number) =>
      request(client, { $case: "loginRequest", value: { userId: userId(user), token, platform: Platform.PLATFORM_WEB, deviceId: "load", clientVersion: "load/1" } }).then(
        (frame) => {
          const body = frame.body;
          // A node that sheds load asks for the login again later, as a real client would do.
          if (body?.$case === "error" && body.value.code === ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE && attempt < MAX_LOGIN_ATTEMPTS) {
            setTimeout(() => login(attempt + 1), Math.max(100, body.value.retryAfterMs));
            return;
          }
          if (body?.$case !== "loginResponse") return settle(false);
          heartbeatMs = body.value.limits?.heartbeatIntervalMs ?? heartbeatMs;
          client.loggedIn = true;
          client.nextPingMs = Date.now() + Math.random() * heartbeatMs;
          clients.set(user, client);
          if (isWriter(setup.graph, user)) writerVersions.set(user, Number(body.value.selfStatus?.version ?? 0));
          settle(true);
        },
        () => settle(false),
      );
    ws.on("open", () => login(1));
  });
}

/** A subscribe request, sent again after a refusal a client retries (72114 after its retry_after_ms, 70500 after a second), at most MAX_LOGIN_ATTEMPTS times. */
async function subscribeOnce(client: Client, userIds: string[]): Promise<Frame | undefined> {
  for (let attempt = 1; ; attempt++) {
    const answer = await request(client, { $case: "subscribeUserStatusRequest", value: { userIds } }).catch(() => undefined);
    const error = answer?.body?.$case === "error" ? answer.body.value : undefined;
    const retry = error?.code === ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE || error?.code === ErrorCode.ERROR_CODE_INTERNAL_ERROR;
    if (!retry || attempt >= MAX_LOGIN_ATTEMPTS || stopping) return answer;
    await sleep(Math.max(1000, error.retryAfterMs));
  }
}

/** `connect`, again after a failure (at most MAX_RECONNECTS times, a second apart): what a client told to reconnect does. */
async function connectPersistently(user: number): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    if (await connect(user)) return true;
    if (attempt >= MAX_RECONNECTS || stopping) return false;
    counters.reconnects++;
    await sleep(1000);
  }
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<boolean>): Promise<number> {
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < items.length) if (await work(items[next++]!)) ok++;
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return ok;
}

/** Calls `tick(elapsedMs)` every TICK_MS for `durationMs`. */
function paced(durationMs: number, tick: (elapsedMs: number) => void): Promise<void> {
  const start = Date.now();
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = Date.now() - start;
      tick(Math.min(elapsed, durationMs));
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

setInterval(() => {
  const now = Date.now();
  for (const client of clients.values()) {
    if (client.nextPingMs > now) continue;
    client.nextPingMs = now + heartbeatMs;
    send(client, { body: { $case: "ping", value: { clientTimeMs: BigInt(now) } } });
  }
}, 1000).unref();

serveRpc({
  setup(args: GeneratorSetup) {
    setup = args;
  },

  /** Logs in this generator's writers, or everyone else. */
  async login(args: { writers: boolean }) {
    const todo = users((u) => isWriter(setup.graph, u) === args.writers);
    const start = Date.now();
    const cpu0 = cpuUs();
    const ok = await pool(todo, setup.concurrency, connectPersistently);
    return { attempted: todo.length, loggedIn: ok, ms: Date.now() - start, cpuUs: cpuUs() - cpu0, writerVersions: [...writerVersions] };
  },

  async subscribe() {
    const receivers = users((u) => isReceiver(setup.graph, u) && clients.has(u));
    const ok = await pool(receivers, setup.concurrency, async (user) => {
      const client = clients.get(user);
      if (!client) return false;
      const ids = subscriptionsOf(setup.graph, user).map(userId);
      for (let i = 0; i < ids.length; i += 100) {
        const answer = await subscribeOnce(client, ids.slice(i, i + 100));
        if (answer?.body?.$case !== "subscribeUserStatusResponse" || answer.body.value.errors.length > 0) return false;
      }
      return true;
    });
    return { attempted: receivers.length, subscribed: ok };
  },

  /** Every receiver starts from the writers' versions before the first step. */
  baseline(args: { versions: [number, number][] }) {
    const versions = new Map(args.versions);
    for (const [receiver, writers] of watchedWriters(setup.graph)) {
      const client = clients.get(receiver);
      if (client) client.watched = new Map([...writers].map((w) => [w, versions.get(w) ?? 0]));
    }
  },

  /** Changes this generator's writers' statuses at its share of `changesPerSec` for `durationMs`. */
  async step(args: { changesPerSec: number; durationMs: number }) {
    latency = new Histogram();
    delivered = skipped = reordered = lastDeliveryUs = statusAnswers = 0;
    const writers = users((u) => isWriter(setup.graph, u) && clients.has(u));
    const rate = (args.changesPerSec * writers.length) / setup.graph.writers;
    const cpu0 = cpuUs();
    const startUs = nowUs();
    let sent = 0;
    let next = 0;
    await paced(args.durationMs, (elapsed) => {
      // At most one second of backlog after a stall, so a step's offered load stays bounded.
      const due = Math.min(Math.floor((rate * elapsed) / 1000) - sent, Math.ceil(rate));
      for (let i = 0; i < due && writers.length > 0; i++, sent++) {
        const client = clients.get(writers[next++ % writers.length]!);
        if (client) send(client, { body: { $case: "setSelfStatusRequest", value: { customStatus: `t${nowUs()}` } } });
      }
    });
    for (let waited = 0; statusAnswers < sent && waited < 10_000; waited += 50) await sleep(50);
    return { startUs, sent, answered: statusAnswers, cpuUs: cpuUs() - cpu0, writerVersions: [...writerVersions].filter(([w]) => mine(w)) };
  },

  /** Waits (up to deadlineMs) until every receiver saw every watched writer's final version, then reports the step. */
  async check(args: { finalVersions: [number, number][]; deadlineMs: number }) {
    const cpu0 = cpuUs();
    const finals = new Map(args.finalVersions);
    const missing = () => {
      let n = 0;
      for (const client of clients.values()) {
        if (!client.watched) continue;
        for (const [writer, last] of client.watched) if (last < (finals.get(writer) ?? 0)) n++;
      }
      return n;
    };
    const deadline = Date.now() + args.deadlineMs;
    let lost = missing();
    while (lost > 0 && Date.now() < deadline) {
      await sleep(50);
      lost = missing();
    }
    return { latency: latency.toJSON(), delivered, skipped, reordered, missing: lost, lastDeliveryUs, cpuUs: cpuUs() - cpu0 };
  },

  /** 500-user queries at this generator's share of `perSec` for `durationMs`, from connections that are not writers. */
  async queries(args: { perSec: number; durationMs: number; maxInFlight: number }) {
    queryLatency = new Histogram();
    const queriers = [...clients.values()].filter((c) => !isWriter(setup.graph, c.user));
    const rate = args.perSec / setup.generators;
    // The request id goes in front of a body encoded once: fields may come in any order.
    const body = encodeFrame({ requestId: 0, body: { $case: "getUserStatusRequest", value: { userIds: Array.from({ length: Math.min(QUERY_USERS, setup.graph.users) }, (_, u) => userId(u)) } } } as Frame);
    const cpu0 = cpuUs();
    const errors0 = Object.values(counters.errors).reduce((a, b) => a + b, 0);
    let sent = 0;
    let notSent = 0;
    const inFlight = () => queriers.reduce((n, c) => n + c.queries.size, 0);
    let next = 0;
    await paced(args.durationMs, (elapsed) => {
      const due = Math.min(Math.floor((rate * elapsed) / 1000) - sent - notSent, Math.ceil(rate));
      const room = Math.max(0, args.maxInFlight - inFlight());
      for (let i = 0; i < due && queriers.length > 0; i++) {
        if (i >= room) {
          notSent++;
          continue;
        }
        const client = queriers[next++ % queriers.length]!;
        if (client.ws.readyState !== WebSocket.OPEN) continue;
        const requestId = client.nextRequestId++;
        const prefix = Buffer.from([0x08, ...varint(requestId)]);
        client.queries.set(requestId, nowUs());
        client.ws.send(Buffer.concat([prefix, body]));
        sent++;
      }
    });
    for (let waited = 0; inFlight() > 0 && waited < 5_000; waited += 50) await sleep(50);
    const refused = Object.values(counters.errors).reduce((a, b) => a + b, 0) - errors0;
    const unanswered = inFlight();
    for (const client of queriers) client.queries.clear();
    return { sent, notSent, answered: queryLatency.count, refused, unanswered, latency: queryLatency.toJSON(), cpuUs: cpuUs() - cpu0 };
  },

  /** Opens `count` more connections at once to a node that should be full: how each upgrade was answered, and how fast. */
  async beyond(args: { count: number; url: string }) {
    const outcomes = await Promise.all(
      Array.from(
        { length: args.count },
        () =>
          new Promise<{ answer: string; ms: number }>((resolve) => {
            const start = performance.now();
            const ws = new WebSocket(args.url, { perMessageDeflate: false });
            const done = (answer: string) => {
              ws.terminate();
              resolve({ answer, ms: performance.now() - start });
            };
            const timer = setTimeout(() => done("no answer"), ATTEMPT_TIMEOUT_MS);
            ws.once("open", () => (clearTimeout(timer), done("open")));
            ws.once("unexpected-response", (_request, response) => (clearTimeout(timer), done(`http ${response.statusCode}`)));
            ws.once("error", (error) => (clearTimeout(timer), done(error.message)));
          }),
      ),
    );
    const answers: Record<string, number> = {};
    for (const { answer } of outcomes) answers[answer] = (answers[answer] ?? 0) + 1;
    return { answers, maxMs: Math.max(0, ...outcomes.map((o) => o.ms)) };
  },

  held() {
    return { held: clients.size, unexpectedCloses: counters.unexpectedCloses, errors: counters.errors, pongs: counters.pongs, reconnects: counters.reconnects };
  },

  stop() {
    stopping = true;
    for (const client of clients.values()) client.ws.terminate();
    setTimeout(() => process.exit(0), 100).unref();
  },
});

function varint(n: number): number[] {
  const bytes: number[] = [];
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  bytes.push(n);
  return bytes;
}
