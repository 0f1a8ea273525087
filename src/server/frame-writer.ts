// Writes a connection's outgoing binary messages straight to its TCP socket:
// every frame's WebSocket header and payload in one buffer, one plain write.
// `ws.send` would write a header and the payload as two chunks per frame,
// through its Sender, into a `writev`. A server's frames are unmasked and,
// without permessage-deflate, the Sender keeps no state between whole
// messages, so the bytes are those `ws` would write
// (test/server/frame-writer.test.ts). `ws` keeps the handshake, reading,
// ping/pong and close, whose frames share the same socket and so keep their
// order with ours. Whatever the Sender has not written yet (it never has
// anything here, but would while compressing or reading a Blob) goes first:
// then the frames go through `ws.send`, behind it.
import type { Socket } from "node:net";
import type { WebSocket } from "ws";

/** The parts of `ws`'s WebSocket and Sender read here (no state of our own: none per connection). */
interface Internals {
  _socket?: unknown;
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean; _extensions?: Record<string, unknown> };
}

/** `ws`'s Sender state when it holds nothing back (lib/sender.js: DEFAULT). */
const SENDER_IDLE = 0;
const OPCODE_BINARY_FIN = 0x82;

/** Writes each payload as one binary message of `socket`, in order, into `tcp`, the socket under it. The socket must be open. */
export function writeMessages(socket: WebSocket, tcp: Socket, payloads: readonly Uint8Array[]): void {
  const internals = socket as unknown as Internals;
  const sender = internals._sender;
  // Compression makes the Sender hold frames and keep a context: such a socket is left to ws.send.
  const plain =
    sender !== undefined &&
    sender._state === SENDER_IDLE &&
    sender._queue?.length === 0 &&
    sender._firstFragment === true &&
    sender._extensions?.["permessage-deflate"] === undefined &&
    internals._socket === tcp;
  if (!plain) {
    for (const payload of payloads) socket.send(payload);
    return;
  }
  tcp.write(frameBinaryMessages(payloads));
}

/** The bytes of `payloads` as unmasked, unfragmented binary WebSocket frames (RFC 6455 §5.2), in one buffer. */
export function frameBinaryMessages(payloads: readonly Uint8Array[]): Buffer {
  let total = 0;
  for (let i = 0; i < payloads.length; i++) total += headerBytes(payloads[i]!.length) + payloads[i]!.length;
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i]!;
    at = writeHeader(out, at, payload.length);
    out.set(payload, at);
    at += payload.length;
  }
  return out;
}

function headerBytes(length: number): number {
  return length < 126 ? 2 : length < 65536 ? 4 : 10;
}

function writeHeader(out: Buffer, at: number, length: number): number {
  out[at] = OPCODE_BINARY_FIN;
  if (length < 126) {
    out[at + 1] = length;
    return at + 2;
  }
  if (length < 65536) {
    out[at + 1] = 126;
    out[at + 2] = length >>> 8;
    out[at + 3] = length & 0xff;
    return at + 4;
  }
  // A 64-bit length; frames are far below 2^48 bytes, so the top two bytes are zero.
  out[at + 1] = 127;
  out[at + 2] = 0;
  out[at + 3] = 0;
  out.writeUIntBE(length, at + 4, 6);
  return at + 10;
}
