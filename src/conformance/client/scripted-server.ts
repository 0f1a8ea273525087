// The server side of client scenarios: a WebSocket server on a loopback port
// whose every connection is played by the case's script. Frames and closes go
// to the case's evidence; pings are answered unless the script says not to.
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import type { Frame } from "../../../generated/ts-proto/presence/v1/frame.js";
import { encodeFrame } from "../../codec/messages.js";
import type { EvidenceLog } from "../evidence.js";
import { ANY_SIZE, receiveFrames } from "../receiver.js";
import { Waiters } from "../waiters.js";

export interface ReceivedFrame {
  frame: Frame;
  /** Case milliseconds. */
  atMs: number;
}

export class ScriptedConnection {
  readonly received: ReceivedFrame[] = [];
  /** Case milliseconds at which the client's connection closed. */
  closedAtMs: number | undefined;
  /** Answer pings with pongs; off to play a dead link. */
  answerPings = true;
  /** What the client sent that no conforming client sends, whatever the scenario is about. */
  readonly violations: string[] = [];
  private cursor = 0;
  private readonly waiters = new Waiters();

  constructor(
    private readonly socket: WebSocket,
    readonly label: string,
    private readonly log: EvidenceLog,
  ) {
    receiveFrames(socket, label, log, {
      frame: (frame) => {
        if (frame.requestId === 0) this.violation(`sent ${frame.body?.$case ?? "a frame"} with request id 0 (frame.proto: a client request carries a non-zero request_id)`);
        this.received.push({ frame, atMs: log.elapsedMs() });
        if (frame.body?.$case === "ping" && this.answerPings) {
          this.send({ requestId: frame.requestId, body: { $case: "pong", value: { clientTimeMs: frame.body.value.clientTimeMs, serverTimeMs: BigInt(Date.now()) } } });
        }
        this.waiters.wake();
      },
      violation: (what) => this.violation(what),
    });
    socket.on("close", (code) => {
      this.closedAtMs = log.elapsedMs();
      log.event(label, `the client's connection closed (WebSocket code ${code})`);
      this.waiters.wake();
    });
    socket.on("error", () => undefined);
  }

  private violation(what: string): void {
    this.violations.push(`${this.label}: the client ${what}`);
    this.log.event(this.label, `protocol violation: the client ${what}`);
  }

  send(frame: Frame): void {
    this.sendBytes(encodeFrame(frame, ANY_SIZE));
  }

  sendBytes(bytes: Uint8Array, what?: string): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    if (what === undefined) this.log.frame(this.label, "sent", bytes);
    else this.log.add(this.label, "sent", what);
    this.socket.send(bytes);
  }

  /** The next frame from the client that is not a ping (pings are answered, or left unanswered, on their own). */
  async nextRequest(timeoutMs: number, what = "request"): Promise<Frame> {
    const found = await this.waiters.until(
      () => {
        while (this.cursor < this.received.length) {
          const { frame } = this.received[this.cursor++]!;
          if (frame.body?.$case !== "ping") return frame;
        }
        return undefined;
      },
      timeoutMs,
      () => `${this.label}: the client sent no ${what} within ${timeoutMs} ms${this.closedAtMs === undefined ? "" : ` (it closed the connection at ${this.closedAtMs} ms)`}`,
    );
    return found;
  }

  pings(): ReceivedFrame[] {
    return this.received.filter((r) => r.frame.body?.$case === "ping");
  }

  async waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return this.waiters.until(probe, timeoutMs, () => `${this.label}: ${what} did not happen within ${timeoutMs} ms`);
  }

  /** Closes from the server side with a WebSocket close code. */
  close(code: number): void {
    this.log.event(this.label, `the server closes the connection with ${code}`);
    this.socket.close(code);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

export class ScriptedServer {
  readonly connections: ScriptedConnection[] = [];
  /** Called on each new connection before anything else: a script may close it at once. */
  onConnection: ((connection: ScriptedConnection) => void) | undefined;
  private cursor = 0;
  private readonly waiters = new Waiters();

  private constructor(
    private readonly wss: WebSocketServer,
    readonly url: string,
    log: EvidenceLog,
  ) {
    wss.on("connection", (socket) => {
      const connection = new ScriptedConnection(socket, `server#${this.connections.length + 1}`, log);
      log.event(connection.label, "the client connected");
      this.connections.push(connection);
      this.onConnection?.(connection);
      this.waiters.wake();
    });
  }

  static async start(log: EvidenceLog): Promise<ScriptedServer> {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/presence", perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once("listening", resolve));
    const { port } = wss.address() as AddressInfo;
    return new ScriptedServer(wss, `ws://127.0.0.1:${port}/presence`, log);
  }

  /** The next connection not returned before. */
  async nextConnection(timeoutMs: number, what = "connection"): Promise<ScriptedConnection> {
    const connection = await this.waiters.until(() => this.connections[this.cursor], timeoutMs, () => `the client made no ${what} within ${timeoutMs} ms`);
    this.cursor++;
    return connection;
  }

  async close(): Promise<void> {
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
