// The server's own WebSocket framing against ws's: the same bytes as ws's
// Sender for every payload length class, and over a real socket the client
// reads the messages, in order with what ws itself writes.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import fc from "fast-check";
import { afterEach, expect, it } from "vitest";
import * as ws from "ws";
import WebSocket, { WebSocketServer } from "ws";
import { frameBinaryMessages, writeMessages } from "../../src/server/frame-writer.js";

type FrameOptions = { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean };
// ws exports its Sender without types: the framing a server's ws.send uses.
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const wsFrame = (payload: Uint8Array) => Buffer.concat(Sender.frame(Buffer.from(payload), { fin: true, opcode: 2, mask: false, readOnly: false, rsv1: false }));

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

// Lengths at each edge of the header's three length forms, and anything between.
const length = fc.oneof(fc.constantFrom(0, 1, 124, 125, 126, 127, 65534, 65535, 65536, 65537), fc.nat({ max: 70_000 }));
const payloadOf = (size: number, seed: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff);
const payloads = fc.array(fc.tuple(length, fc.nat(255)), { maxLength: 4 }).map((specs) => specs.map(([size, seed]) => payloadOf(size, seed)));

it("frames payloads as ws's Sender does for a server: unmasked binary frames, header and payload, one after another", () => {
  fc.assert(
    fc.property(payloads, (list) => {
      expect(frameBinaryMessages(list).equals(Buffer.concat(list.map(wsFrame)))).toBe(true);
    }),
    { numRuns: 150 },
  );
});

async function pair(options: { perMessageDeflate?: boolean } = {}): Promise<{ server: WebSocket; tcp: Socket; client: WebSocket; received: Buffer[] }> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: options.perMessageDeflate ?? false });
  await once(wss, "listening");
  const accepted = once(wss, "connection") as Promise<[WebSocket, { socket: Socket }]>;
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, { perMessageDeflate: options.perMessageDeflate ?? false });
  const received: Buffer[] = [];
  client.on("message", (data: Buffer) => received.push(data));
  const [[server, request]] = await Promise.all([accepted, once(client, "open")]);
  cleanup.push(async () => {
    client.terminate();
    server.terminate();
    await new Promise((resolve) => wss.close(resolve));
  });
  return { server, tcp: request.socket, client, received };
}

async function receive(received: Buffer[], count: number): Promise<Buffer[]> {
  for (let i = 0; i < 200 && received.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return received;
}

it("writes each payload as one message the client reads, in order with ws's own sends, with one plain write", async () => {
  const { server, tcp, received } = await pair();
  const writer = { write: (payloads: Uint8Array[]) => writeMessages(server, tcp, payloads) };
  const list = [0, 125, 126, 65535, 65536, 3].map((size, i) => payloadOf(size, i));
  const writes = { write: 0, writev: 0 };
  const write = tcp._write.bind(tcp);
  tcp._write = (chunk, encoding, callback) => (writes.write++, write(chunk, encoding, callback));
  const writev = tcp._writev!.bind(tcp);
  tcp._writev = (chunks, callback) => (writes.writev++, writev(chunks, callback));

  server.send(Buffer.from("before"));
  writes.write = writes.writev = 0;
  writer.write(list);
  expect(writes).toEqual({ write: 1, writev: 0 });
  server.send(Buffer.from("after"));
  const got = await receive(received, list.length + 2);
  expect(got.map((b) => b.length)).toEqual([6, ...list.map((p) => p.length), 5]);
  expect(got.slice(1, -1).every((b, i) => b.equals(list[i]!))).toBe(true);
  expect([got[0]!.toString(), got.at(-1)!.toString()]).toEqual(["before", "after"]);
});

it("counts what it wrote and the socket holds in ws's bufferedAmount, as ws.send does", async () => {
  const { server, tcp } = await pair();
  const writer = { write: (payloads: Uint8Array[]) => writeMessages(server, tcp, payloads) };
  tcp.cork();
  writer.write([payloadOf(300, 1)]);
  expect(server.bufferedAmount).toBe(304);
  server.send(payloadOf(300, 2));
  expect(server.bufferedAmount).toBe(608);
  tcp.uncork();
});

it("leaves a socket with permessage-deflate to ws.send: the client reads the messages", async () => {
  const { server, tcp, client, received } = await pair({ perMessageDeflate: true });
  expect(client.extensions).toBe("permessage-deflate");
  const writer = { write: (payloads: Uint8Array[]) => writeMessages(server, tcp, payloads) };
  const sends: number[] = [];
  const send = server.send.bind(server);
  server.send = ((data: Uint8Array) => (sends.push(data.length), send(data))) as typeof server.send;
  const list = [payloadOf(2000, 1), payloadOf(10, 2)];
  writer.write(list);
  expect(sends).toEqual([2000, 10]);
  const got = await receive(received, 2);
  expect(got.map((b, i) => b.equals(list[i]!))).toEqual([true, true]);
});

it("waits behind what ws's Sender still holds: a Blob being read goes first", async () => {
  const { server, tcp, received } = await pair();
  const writer = { write: (payloads: Uint8Array[]) => writeMessages(server, tcp, payloads) };
  server.send(new Blob([Buffer.from("blob")]) as unknown as Buffer);
  writer.write([payloadOf(20, 3)]);
  const got = await receive(received, 2);
  expect(got.map((b) => b.length)).toEqual([4, 20]);
  expect(got[0]!.toString()).toBe("blob");
});
