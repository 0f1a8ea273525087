// A WebSocket proxy in front of the reference server that rewrites, drops or
// answers frames: deliberately broken servers, so the tests can check that
// the conformance kit catches exactly what it claims to.
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";

export interface ProxyLink {
  toClient(frame: Frame): void;
  toServer(frame: Frame): void;
  /** Sends a WebSocket message that need not be a frame: text, or bytes. */
  toClientRaw(data: string | Uint8Array): void;
}

/** Each hook returns the frame to pass on (the same object to pass the original bytes, a new one to change it), or undefined to drop it. */
export interface Tampering {
  fromClient?(frame: Frame, link: ProxyLink): Frame | undefined;
  fromServer?(frame: Frame, link: ProxyLink): Frame | undefined;
  /** Called once per connection when both sides are open. */
  onOpen?(link: ProxyLink): () => void;
}

export interface TamperingProxy {
  url: string;
  close(): Promise<void>;
}

const BIG = { maxFrameBytes: Number.MAX_SAFE_INTEGER };
// Close codes a peer may not send itself (RFC 6455 §7.4.1): the proxy cuts the other side instead.
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

function relayClose(socket: WebSocket, code: number): void {
  if (socket.readyState === WebSocket.CLOSED || socket.readyState === WebSocket.CLOSING) return;
  if (RESERVED_CLOSE_CODES.has(code) || socket.readyState !== WebSocket.OPEN) socket.terminate();
  else socket.close(code);
}

export async function startTamperingProxy(upstreamUrl: string, tampering: Tampering): Promise<TamperingProxy> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve) => wss.once("listening", resolve));

  wss.on("connection", (client) => {
    const upstream = new WebSocket(upstreamUrl, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    const pending: [RawData, boolean][] = [];
    let stop: (() => void) | undefined;
    const link: ProxyLink = {
      toClient: (frame) => client.readyState === WebSocket.OPEN && client.send(encodeFrame(frame, BIG)),
      toServer: (frame) => upstream.readyState === WebSocket.OPEN && upstream.send(encodeFrame(frame, BIG)),
      toClientRaw: (data) => client.readyState === WebSocket.OPEN && client.send(data, { binary: typeof data !== "string" }),
    };
    const forward = (data: RawData, isBinary: boolean, to: WebSocket, hook: Tampering["fromClient"]) => {
      const bytes = data as Buffer;
      let frame: Frame | undefined;
      try {
        frame = isBinary && hook ? decodeFrame(bytes, BIG) : undefined;
      } catch {
        frame = undefined; // garbage passes through untouched: judging it is the server's job
      }
      if (frame === undefined) {
        to.send(bytes, { binary: isBinary });
        return;
      }
      const passed = hook!(frame, link);
      // The original bytes keep what re-encoding would lose (unknown fields, padding).
      if (passed === frame) to.send(bytes, { binary: true });
      else if (passed) to.send(encodeFrame(passed, BIG));
    };
    client.on("message", (data, isBinary) => {
      if (upstream.readyState === WebSocket.OPEN) forward(data, isBinary, upstream, tampering.fromClient);
      else pending.push([data, isBinary]);
    });
    upstream.on("open", () => {
      for (const [data, isBinary] of pending.splice(0)) forward(data, isBinary, upstream, tampering.fromClient);
      stop = tampering.onOpen?.(link);
    });
    upstream.on("message", (data, isBinary) => forward(data, isBinary, client, tampering.fromServer));
    upstream.on("close", (code) => {
      stop?.();
      relayClose(client, code);
    });
    client.on("close", (code) => {
      stop?.();
      relayClose(upstream, code);
    });
    upstream.on("error", () => client.terminate());
    client.on("error", () => upstream.terminate());
  });

  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/presence`,
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
