// The WebSocket the client talks through: the platform's where there is one
// (browsers, Node 22+), else the `ws` package (Node 20).
import { ConnectionClosedError } from "./errors.js";

/**
 * An event handler property. Declared as a method, so that its parameter is compared both ways and a
 * WebSocket class whose handlers take a richer event (a browser's MessageEvent, `ws`'s) still fits.
 */
type Handler<E> = { handle(event: E): void }["handle"];

/** The part of the WebSocket API the client uses; browsers' WebSocket and `ws` both have it. */
export interface SocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
}

export type WebSocketConstructor = new (url: string) => SocketLike;

async function defaultConstructor(): Promise<WebSocketConstructor> {
  // DOM typings declare the global; at run time Node 20 has none.
  if (typeof globalThis.WebSocket === "function") return globalThis.WebSocket;
  const ws = await import("ws");
  return ws.WebSocket;
}

/** Opens a binary WebSocket; rejects with ConnectionClosedError if it closes before it opens. */
export async function openWebSocket(url: string, constructor?: WebSocketConstructor): Promise<SocketLike> {
  const Socket = constructor ?? (await defaultConstructor());
  return new Promise((resolve, reject) => {
    let socket: SocketLike;
    try {
      socket = new Socket(url);
    } catch (cause) {
      reject(new ConnectionClosedError(`cannot open ${url}: ${String(cause)}`, { cause }));
      return;
    }
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      socket.onopen = null;
      socket.onclose = null;
      socket.onerror = null;
      resolve(socket);
    };
    socket.onerror = () => undefined; // the close event that follows carries the outcome
    socket.onclose = (event) => {
      reject(new ConnectionClosedError(`cannot connect to ${url} (close code ${event.code})`));
    };
  });
}
