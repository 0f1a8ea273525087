// How a node delivers notifications, over real sockets: the notifications a
// connection gets in one turn leave as one frame whose statuses are those the
// separate frames would have carried, answers keep their place among them,
// and a client that stops reading is held only the latest status per user.
import net from "node:net";
import fc from "fast-check";
import { afterEach, expect, it } from "vitest";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { encodeFrame } from "../../src/codec/messages.js";
import type { PresenceServer } from "../../src/server/server.js";
import { RawPeer, eventually, startServer } from "./harness.js";

const servers: PresenceServer[] = [];
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  for (const s of servers.splice(0)) await s.close();
});

async function server(options: Parameters<typeof startServer>[0] = {}): Promise<PresenceServer> {
  const started = await startServer(options);
  servers.push(started);
  return started;
}

async function peer(on: PresenceServer, userId: string): Promise<RawPeer> {
  const opened = await RawPeer.open(on.url);
  peers.push(opened);
  await opened.login(userId);
  return opened;
}

const notificationsOf = (frames: readonly Frame[]) => frames.filter((f) => f.requestId === 0 && f.body?.$case === "userStatusChanged");
const statusesOf = (frame: Frame): UserStatus[] => (frame.body?.$case === "userStatusChanged" || frame.body?.$case === "getUserStatusResponse" ? frame.body.value.statuses : []);
const answerStatus = (frame: Frame): UserStatus => {
  if (frame.body?.$case !== "setSelfStatusResponse") throw new Error(`expected a SetSelfStatusResponse, got ${frame.body?.$case}`);
  return frame.body.value.status!;
};

async function metric(on: PresenceServer, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${on.port}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`no metric ${name}`);
  return Number(line.split(" ")[1]);
}

it("sends a connection the changes of one turn in one frame, a user at most once per frame, spliced, carrying what separate frames did", async () => {
  const s = await server({ app: { limits: { rateLimitRequests: 100_000 } } });
  const writers = await Promise.all(["w0", "w1", "w2", "w3", "w4"].map((w) => peer(s, w)));
  const receiver = await peer(s, "r");
  await receiver.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["w0", "w1", "w2", "w3", "w4"] } });
  let changed = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }), { minLength: 5, maxLength: 5 }), async (customs) => {
      const seenBefore = receiver.frames.length;
      // Each writer's requests in one TCP write, all before the server's next poll: one turn reads them all.
      // Numbered: setting the same custom status again changes nothing.
      const ids = writers.map((w, i) => w.sendBurst(customs[i]!.map((custom) => ({ $case: "setSelfStatusRequest", value: { customStatus: `${changed++} ${custom}` } }))));
      const answers = await Promise.all(writers.map((w, i) => Promise.all(ids[i]!.map((id) => w.response(id)))));
      const expected = answers.map((list) => list.map(answerStatus));
      const count = expected.flat().length;
      const received = () => notificationsOf(receiver.frames.slice(seenBefore)).flatMap(statusesOf);
      await eventually(() => (received().length >= count ? true : undefined), 5000, "every change");
      await new Promise((resolve) => setTimeout(resolve, 20));

      const frames = notificationsOf(receiver.frames.slice(seenBefore));
      const messages = receiver.messages.slice(seenBefore);
      // Separate frames would have carried each change's status, each writer's in order: the answers say which.
      expect(received()).toHaveLength(count);
      for (const [i, w] of ["w0", "w1", "w2", "w3", "w4"].entries()) expect(received().filter((st) => st.userId === w)).toEqual(expected[i]);
      for (const [i, frame] of frames.entries()) {
        const users = statusesOf(frame).map((st) => st.userId);
        expect(new Set(users).size).toBe(users.length);
        // A frame ends only where the next status's user is already in it.
        if (i + 1 < frames.length) expect(users).toContain(statusesOf(frames[i + 1]!)[0]!.userId);
        // The spliced bytes are exactly the generated codec's for the same frame.
        expect(Buffer.from(messages[i]!).equals(Buffer.from(encodeFrame(frame)))).toBe(true);
      }
    }),
    { numRuns: 15, endOnFailure: true },
  );
}, 60_000);

it("never reorders an answer and a notification of the same turn, and loses neither", async () => {
  const s = await server({ app: { limits: { rateLimitRequests: 100_000 } } });
  const writer = await peer(s, "w");
  const receiver = await peer(s, "r");
  await receiver.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["w"] } });
  let changed = 0;
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 10 }), fc.boolean(), async (changes, queries, queriesFirst) => {
      const seenBefore = receiver.frames.length;
      // Both sockets' bursts are in the kernel before the server's next poll: one turn reads both.
      const query = () => receiver.sendBurst(Array.from({ length: queries }, () => ({ $case: "getUserStatusRequest", value: { userIds: ["w"] } })));
      // Each custom status differs from the last: setting the same one again changes nothing.
      const change = () => writer.sendBurst(Array.from({ length: changes }, () => ({ $case: "setSelfStatusRequest", value: { customStatus: `c${changed++}` } })));
      const queryIds = queriesFirst ? query() : [];
      const changeIds = change();
      if (!queriesFirst) queryIds.push(...query());
      const versions = (await Promise.all(changeIds.map((id) => writer.response(id)))).map((f) => answerStatus(f).version);
      await Promise.all(queryIds.map((id) => receiver.response(id)));
      await eventually(() => notificationsOf(receiver.frames.slice(seenBefore)).flatMap(statusesOf).find((st) => st.version === versions.at(-1)), 5000, "the last change");

      const frames = receiver.frames.slice(seenBefore);
      // Every change arrives once, in order, and the answers in the order asked.
      expect(notificationsOf(frames).flatMap(statusesOf).map((st) => st.version)).toEqual(versions);
      expect(frames.filter((f) => f.requestId !== 0).map((f) => f.requestId)).toEqual(queryIds);
      // An answer that shows version v comes after the notification of v and before that of v + 1.
      let notified = versions[0]! - 1n;
      for (const frame of frames) {
        if (frame.requestId === 0) for (const status of statusesOf(frame)) notified = status.version;
        else expect(statusesOf(frame)[0]!.version).toBe(notified);
      }
      // One user's changes: one frame each (a user appears once per frame), all before or all after the answers.
      expect(notificationsOf(frames)).toHaveLength(changes);
      const positions = frames.flatMap((f, i) => (f.requestId === 0 ? [i] : []));
      expect(positions.at(-1)! - positions[0]!).toBe(changes - 1);
    }),
    { numRuns: 15, endOnFailure: true },
  );
}, 60_000);

it("writes a connection's turn in one system call: notifications alone in one plain write, answers and the notifications after them in one writev", async () => {
  const { writer, receiver, calls } = await watchedWriter({});
  try {
    const seenBefore = receiver.frames.length;
    const ids = writer.sendBurst(["a", "b", "c"].map((customStatus) => ({ $case: "setSelfStatusRequest", value: { customStatus } })));
    await Promise.all(ids.map((id) => writer.response(id)));
    await eventually(() => (notificationsOf(receiver.frames.slice(seenBefore)).length >= 3 ? true : undefined), 5000, "three notifications");
    // The three answers corked in one turn; the receiver's three frames (one user, three versions) in one buffer.
    expect(calls.of(writer)).toEqual({ write: 0, writev: 1 });
    expect(calls.of(receiver)).toEqual({ write: 1, writev: 0 });
  } finally {
    calls.stop();
  }
});

it("with a notification window, holds a connection's notifications until it closes and writes them at once, while answers go at the end of their turn", async () => {
  const { writer, receiver, calls } = await watchedWriter({ notificationFlushMs: 100 });
  try {
    const seenBefore = receiver.frames.length;
    const notified = () => notificationsOf(receiver.frames.slice(seenBefore));
    const first = writer.sendFrame({ $case: "setSelfStatusRequest", value: { customStatus: "a" } });
    const a = answerStatus(await writer.response(first));
    // The answer did not wait for the window; the notification of the same change did.
    expect(notified()).toHaveLength(0);
    // A change in a later turn, inside the window, joins the same write.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const b = answerStatus(await writer.request({ $case: "setSelfStatusRequest", value: { customStatus: "b" } }));
    await eventually(() => (notified().length >= 2 ? true : undefined), 5000, "both notifications");
    expect(notified().flatMap(statusesOf).map((st) => st.version)).toEqual([a.version, b.version]);
    expect(calls.of(receiver)).toEqual({ write: 1, writev: 0 });
  } finally {
    calls.stop();
  }
});

/** A writer "w" and a receiver "r" subscribed to it, on a server with `options`, and the server's write calls counted from then on. */
async function watchedWriter(options: Parameters<typeof server>[0]) {
  const s = await server({ ...options, app: { limits: { rateLimitRequests: 100_000 } } });
  const writer = await peer(s, "w");
  const receiver = await peer(s, "r");
  await receiver.request({ $case: "subscribeUserStatusRequest", value: { userIds: ["w"] } });
  return { writer, receiver, calls: countWrites() };
}

/** Counts the server's write calls per peer: its end of a peer's socket is the one whose remote port is the peer's local port. */
function countWrites(): { of(peer: RawPeer): { write: number; writev: number } | undefined; stop(): void } {
  const calls = new Map<number | undefined, { write: number; writev: number }>();
  const count = (socket: net.Socket, kind: "write" | "writev") => {
    const entry = calls.get(socket.remotePort) ?? { write: 0, writev: 0 };
    entry[kind]++;
    calls.set(socket.remotePort, entry);
  };
  const proto = net.Socket.prototype;
  const { _write: write, _writev: writev } = proto;
  proto._write = function (this: net.Socket, ...args: Parameters<typeof write>) {
    count(this, "write");
    return write.apply(this, args);
  };
  proto._writev = function (this: net.Socket, ...args: Parameters<NonNullable<typeof writev>>) {
    count(this, "writev");
    return writev!.apply(this, args);
  };
  return {
    of: (p) => calls.get((p.socket as unknown as { _socket: net.Socket })._socket.localPort),
    stop: () => {
      proto._write = write;
      proto._writev = writev;
    },
  };
}

it("holds a client that stops reading only the latest status per watched user, bounded, and sends them when it reads again", async () => {
  const writers = ["w0", "w1", "w2"];
  const others = Array.from({ length: 496 }, (_, i) => `u${i}`);
  const s = await server({ slowConsumerBytes: 16 * 1024, maxBufferedBytes: 64 * 1024 * 1024, users: [...writers, ...others], app: { limits: { rateLimitRequests: 1_000_000 } } });
  const writerPeers = await Promise.all(writers.map((w) => peer(s, w)));
  const slow = await peer(s, "slow");
  await slow.request({ $case: "subscribeUserStatusRequest", value: { userIds: writers } });
  const seenBefore = slow.frames.length;
  slow.socket.pause();
  // Answers of ~5 KB fill the kernel's socket buffers, then the server's: the client is behind.
  const queryIds: number[] = [];
  let changes = 0;
  const changeAll = async () => {
    const ids = writerPeers.map((w) => w.sendFrame({ $case: "setSelfStatusRequest", value: { customStatus: `change ${changes}` } }));
    changes++;
    await Promise.all(writerPeers.map((w, i) => w.response(ids[i]!)));
  };
  for (let round = 0; round < 100 && (await metric(s, "presence_superseded_statuses_total")) === 0; round++) {
    for (let i = 0; i < 100; i++) queryIds.push(slow.sendFrame({ $case: "getUserStatusRequest", value: { userIds: [...writers, "slow", ...others] } }));
    await changeAll();
    await changeAll();
  }
  expect(await metric(s, "presence_superseded_statuses_total")).toBeGreaterThan(0);
  // Behind, it costs the server at most one status per watched user, however many changes.
  for (let i = 0; i < 50; i++) {
    await changeAll();
    expect(await metric(s, "presence_held_statuses")).toBeLessThanOrEqual(writers.length);
  }
  const finals = await Promise.all(writers.map(async (w) => (await s.engine.statusOf(w))!));
  slow.socket.resume();

  await Promise.all(queryIds.map((id) => slow.response(id, 15_000)));
  const latestOf = (userId: string) => notificationsOf(slow.frames.slice(seenBefore)).flatMap(statusesOf).filter((st) => st.userId === userId).at(-1);
  await eventually(() => (writers.every((w, i) => latestOf(w)?.version === finals[i]!.version) ? true : undefined), 15_000, "every writer's latest status");
  for (const [i, w] of writers.entries()) expect(latestOf(w)).toMatchObject(finals[i]!);
  // Intermediate versions were skipped, never reordered, and answers kept their order.
  const received = notificationsOf(slow.frames.slice(seenBefore)).flatMap(statusesOf);
  expect(received.length).toBeLessThan(changes * writers.length);
  for (const w of writers) {
    const versions = received.filter((st) => st.userId === w).map((st) => st.version);
    expect(versions).toEqual([...versions].sort((a, b) => (a < b ? -1 : 1)));
  }
  expect(slow.frames.slice(seenBefore).filter((f) => f.requestId !== 0).map((f) => f.requestId)).toEqual(queryIds);
  expect(await metric(s, "presence_held_statuses")).toBe(0);
}, 90_000);
