// A client connection as the kit drives it: real WebSocket, raw frames, every
// frame and close written to the case's evidence. Waits are event-driven and
// bounded; a wait that runs out is a CheckFailure naming what never came.
import WebSocket from "ws";
import type { Frame } from "../../../generated/ts-proto/presence/v1/frame.js";
import { encodeFrame } from "../../codec/messages.js";
import { CheckFailure } from "../errors.js";
import { EvidenceLog } from "../evidence.js";
import { ANY_SIZE, receiveFrames } from "../receiver.js";
import { Waiters } from "../waiters.js";

export type FrameBody = NonNullable<Frame["body"]>;

export interface PeerClose {
  code: number;
  /** Milliseconds since the case started. */
  atMs: number;
}

export class WirePeer {
  /** Every frame received, in order. */
  readonly received: Frame[] = [];
  closeInfo: PeerClose | undefined;
  /** Time (case ms) of the last frame this peer sent: what a server's heartbeat timer runs from. */
  lastSentAtMs = 0;
  /** What the server sent that no conforming server sends, whatever the case is about. */
  readonly violations: string[] = [];
  private pushCursor = 0;
  private nextRequestId = 1;
  private readonly waiters = new Waiters();
  private keepAliveTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly label: string,
    private readonly log: EvidenceLog,
    maxFrameBytes: number,
  ) {
    receiveFrames(
      socket,
      label,
      log,
      {
        frame: (frame) => {
          this.received.push(frame);
          this.waiters.wake();
        },
        violation: (what) => this.violation(what),
      },
      maxFrameBytes,
    );
    socket.on("close", (code) => {
      this.stopKeepAlive();
      this.closeInfo = { code, atMs: log.elapsedMs() };
      log.event(label, `connection closed by the server or the network, WebSocket code ${code}`);
      this.waiters.wake();
    });
    socket.on("error", (error) => log.event(label, `socket error: ${error.message}`));
  }

  static async open(url: string, label: string, log: EvidenceLog, timeoutMs: number, maxFrameBytes: number): Promise<WirePeer> {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    log.event(label, `connecting to ${url}`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new CheckFailure(`no WebSocket connection to ${url} within ${timeoutMs} ms`)), timeoutMs);
      socket.once("open", () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(new CheckFailure(`cannot connect to ${url}: ${error.message}`));
      });
    });
    return new WirePeer(socket, label, log, maxFrameBytes);
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends a frame; returns its request id (a fresh one unless given). */
  send(body: FrameBody | undefined, requestId = this.nextRequestId++): number {
    this.sendBytes(encodeFrame({ requestId, body }, ANY_SIZE));
    return requestId;
  }

  /** Sends bytes (or a text message) as they are; `what` describes them in the evidence when they are not a frame. */
  sendBytes(data: Uint8Array | string, what?: string): void {
    if (what !== undefined) this.log.add(this.label, "sent", what);
    else if (typeof data === "string") this.log.add(this.label, "sent", `text message ${JSON.stringify(data)}`);
    else this.log.frame(this.label, "sent", data);
    this.lastSentAtMs = this.log.elapsedMs();
    this.socket.send(data, { binary: typeof data !== "string" });
  }

  /** A request id not used yet on this connection, for frames built by hand. */
  takeRequestId(): number {
    return this.nextRequestId++;
  }

  /** Sends a request and waits for the frame that answers it. */
  async request(body: FrameBody, timeoutMs: number): Promise<Frame> {
    return this.answer(this.send(body), timeoutMs);
  }

  async answer(requestId: number, timeoutMs: number): Promise<Frame> {
    return this.until(() => this.received.find((frame) => frame.requestId === requestId), timeoutMs, `answer to request ${requestId}`);
  }

  /** The next frame with request id 0 not returned before: pushes are checked in the order they came. */
  async nextPush(timeoutMs: number, what = "pushed frame (request id 0)"): Promise<Frame> {
    const frame = await this.until(() => this.received.filter((f) => f.requestId === 0)[this.pushCursor], timeoutMs, what);
    this.pushCursor++;
    return frame;
  }

  async closed(timeoutMs: number): Promise<PeerClose> {
    return this.until(() => this.closeInfo, timeoutMs, "close of the connection by the server", false);
  }

  /** Pings every `intervalMs` while open, as a conforming idle client does. */
  keepAlive(intervalMs: number): void {
    this.stopKeepAlive();
    this.keepAliveTimer = setInterval(() => {
      if (this.isOpen) this.send({ $case: "ping", value: { clientTimeMs: BigInt(Date.now()) } });
    }, intervalMs);
    this.keepAliveTimer.unref();
  }

  stopKeepAlive(): void {
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
  }

  /** Closes with a normal WebSocket close (a client going away without logging out). */
  close(): void {
    this.stopKeepAlive();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.log.event(this.label, "the kit closes the connection (no logout)");
      this.socket.close(1000);
    }
  }

  /** Drops the connection without a closing handshake. */
  terminate(): void {
    this.stopKeepAlive();
    this.socket.terminate();
  }

  private violation(what: string): void {
    this.violations.push(`${this.label}: the server ${what}`);
    this.log.event(this.label, `protocol violation: the server ${what}`);
  }

  // Nothing more can arrive on a closed connection, so a wait for a frame ends there (unless `untilClosed` is false).
  private async until<T>(probe: () => T | undefined, timeoutMs: number, what: string, untilClosed = true): Promise<T> {
    return this.waiters.until(
      () => {
        const found = probe();
        if (found === undefined && untilClosed && this.closeInfo) throw new CheckFailure(`${this.label}: no ${what}; ${describeClose(this.closeInfo)}`);
        return found;
      },
      timeoutMs,
      () => `${this.label}: no ${what} within ${timeoutMs} ms${this.closeInfo ? ` (${describeClose(this.closeInfo)})` : ""}`,
    );
  }
}

function describeClose(close: PeerClose): string {
  return `the connection closed with ${close.code} at ${close.atMs} ms`;
}
