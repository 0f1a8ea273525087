// The write batch over a real loopback TCP connection: writes held in one
// turn leave together after it, complete and in order.
import net from "node:net";
import { once } from "node:events";
import { afterEach, expect, it } from "vitest";
import { WriteBatch } from "../../src/server/write-batch.js";

const cleanup: (() => void)[] = [];
afterEach(() => cleanup.splice(0).forEach((f) => f()));

async function socketPair(): Promise<{ sender: net.Socket; receiver: net.Socket }> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const accepted = once(server, "connection") as Promise<[net.Socket]>;
  const sender = net.connect((server.address() as net.AddressInfo).port, "127.0.0.1");
  const [receiver] = await accepted;
  await once(sender, "connect");
  cleanup.push(() => (sender.destroy(), receiver.destroy(), server.close()));
  return { sender, receiver };
}

/** Counts the socket's calls into its stream's write paths: one `writev` per batch, `write` per lone chunk. */
function countWrites(sender: net.Socket): { writev: number; write: number } {
  const calls = { writev: 0, write: 0 };
  const writev = sender._writev?.bind(sender);
  sender._writev = (chunks, callback) => (calls.writev++, writev!(chunks, callback));
  const write = sender._write.bind(sender);
  sender._write = (chunk, encoding, callback) => (calls.write++, write(chunk, encoding, callback));
  return calls;
}

it("holds a socket's writes until the end of the turn, then sends them in order in one writev", async () => {
  const { sender, receiver } = await socketPair();
  const batch = new WriteBatch();
  const received: Buffer[] = [];
  receiver.on("data", (chunk: Buffer) => received.push(chunk));
  const calls = countWrites(sender);

  for (let i = 0; i < 3; i++) {
    batch.hold(sender);
    sender.write(Buffer.from(`frame-${i};`));
  }
  expect(sender.writableCorked).toBe(1);
  expect(calls.writev + calls.write).toBe(0);
  await new Promise((resolve) => setImmediate(resolve));
  expect(sender.writableCorked).toBe(0);
  expect([calls.writev, calls.write]).toEqual([1, 0]);
  while (Buffer.concat(received).length < 24) await once(receiver, "data");
  expect(Buffer.concat(received).toString()).toBe("frame-0;frame-1;frame-2;");
});

it("batches each socket apart and corks a socket once per turn", async () => {
  const a = await socketPair();
  const b = await socketPair();
  const batch = new WriteBatch();
  // Taken the first time; a socket already corked (by this batch or anyone) is not taken again.
  expect([batch.hold(a.sender), batch.hold(b.sender), batch.hold(a.sender)]).toEqual([true, true, false]);
  expect([a.sender.writableCorked, b.sender.writableCorked]).toEqual([1, 1]);
  await new Promise((resolve) => setImmediate(resolve));
  expect([a.sender.writableCorked, b.sender.writableCorked]).toEqual([0, 0]);
  batch.hold(a.sender);
  expect(a.sender.writableCorked).toBe(1);
});

it("runs a socket's callback at the end of the turn, before uncorking, so what it writes joins the same writev", async () => {
  const { sender, receiver } = await socketPair();
  const batch = new WriteBatch();
  const received: Buffer[] = [];
  receiver.on("data", (chunk: Buffer) => received.push(chunk));
  const calls = countWrites(sender);
  let corkedInCallback = -1;
  const before = () => {
    corkedInCallback = sender.writableCorked;
    sender.write("gathered;");
  };
  batch.hold(sender, before);
  sender.write("answer;");
  batch.hold(sender, before);
  await new Promise((resolve) => setImmediate(resolve));
  expect(corkedInCallback).toBe(1);
  expect([calls.writev, calls.write]).toEqual([1, 0]);
  while (Buffer.concat(received).length < 16) await once(receiver, "data");
  expect(Buffer.concat(received).toString()).toBe("answer;gathered;");
});
