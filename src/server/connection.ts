// One client's WebSocket: decodes what it sends and feeds the engine, sends
// what the engine answers, and closes it, whoever ends it (the engine, a
// protocol violation the transport sees itself, a client that does not read,
// the client, or the server shutting down). Notifications wait for the end
// of the turn to leave as one frame, and are kept latest per user while the
// client does not keep up (pending-notifications.ts).
import type { Socket } from "node:net";
import type { RawData, WebSocket } from "ws";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { DecodeError } from "../codec/errors.js";
import { decodeFrame } from "../codec/messages.js";
import { decodeQueryFrame } from "../fast/index.js";
import type { ConnectionId, EngineEffect, PresenceEngine } from "../engine/index.js";
import { CLOSE_CODES, closeCodeFor, errorFrame } from "../protocol/index.js";
import { splicesExactly, type FrameEncoder } from "./frame-encoder.js";
import { writeMessages } from "./frame-writer.js";
import type { Logger } from "./log.js";
import type { ConnectionObserver } from "./metrics.js";
import { PendingNotifications } from "./pending-notifications.js";
import type { Flushable, WriteBatch } from "./write-batch.js";

const EMPTY = new Uint8Array(0);

/** A frame and its bytes, encoded once for many connections. */
export interface EncodedFrame {
  frame: Frame;
  bytes: Uint8Array;
}

export interface ConnectionContext {
  engine: PresenceEngine;
  frameEncoder: Pick<FrameEncoder, "encode" | "encodeNotifications">;
  logger: Logger;
  /** Told of frames in and out and of slow consumers (the metrics). */
  observer?: ConnectionObserver;
  /** Unsent bytes after which the client counts as not reading and is closed. */
  maxBufferedBytes: number;
  /** Unsent bytes above which notifications are held, latest per user, until the socket drains. */
  slowConsumerBytes: number;
  /** Called once, when the connection ends for any reason. */
  onEnd(id: ConnectionId): void;
  /** While the node sheds load, the answer to a frame it refuses without the engine. */
  shedder?: { refusal(frame: Frame): Frame | undefined };
  /** Gathers each turn's writes to a socket into one (write-batch.ts). */
  writeBatch: WriteBatch;
}

export class Connection implements Flushable {
  private ended = false;
  /** Settles once the engine answered every frame received so far. */
  private answered: Promise<void> = Promise.resolve();
  private readonly pending = new PendingNotifications();
  private awaitingDrain = false;
  /** `flushWindow` will run when the write batch's notification window closes. */
  private windowHeld = false;
  /** An answer was written this turn: the socket stays corked until `flushTurn`. */
  private corked = false;

  constructor(
    readonly id: ConnectionId,
    private readonly socket: WebSocket,
    private readonly context: ConnectionContext,
    /** The TCP socket under `socket`, written directly, corked for a turn's answers, and to learn when it drains. */
    private readonly tcp: Socket,
  ) {}

  /** Statuses waiting to be written to this client. */
  get pendingStatuses(): number {
    return this.pending.size;
  }

  /** Starts reading and tells the engine. Call it once the connection can receive the engine's effects. */
  open(): void {
    const { engine, logger } = this.context;
    engine.connect(this.id);
    this.socket.on("message", (data, isBinary) => this.receive(data, isBinary));
    this.socket.on("close", (code) => {
      if (!this.end()) return; // the server closed it and told the engine already
      logger.log("info", "connection lost", { connection: this.id, code });
      void engine.disconnect(this.id);
    });
    this.socket.on("error", (error) => {
      logger.log("warn", "socket error", { connection: this.id, error: error.message });
    });
  }

  /** Carries out what the engine decided for this connection. */
  apply(effect: EngineEffect): void {
    if (effect.type === "send") {
      this.send(effect.frame);
      return;
    }
    this.end();
    this.context.logger.log("info", "connection closed by server", { connection: this.id, reason: ErrorCode[effect.code] });
    this.socket.close(closeCodeFor(effect.code), ErrorCode[effect.code]);
  }

  /**
   * Tells the client the server is going away and closes, without telling the engine (the server
   * tells it of every connection at once). The socket ends as soon as the Error and the close frame
   * reached the kernel: waiting for every client's closing handshake would keep a node busy for seconds.
   * `goodbye` is that Error (72113), encoded once for every connection.
   */
  shutDown(goodbye: EncodedFrame): void {
    this.sendLast(goodbye.frame, goodbye.bytes);
    this.end();
    this.socket.close(CLOSE_CODES.goingAway, "shutting down");
    // An empty write's callback runs once everything written before it left the process. The socket
    // is destroyed after the callback returns: destroyed inside it, Node builds an error for nobody.
    if (this.tcp && !this.tcp.destroyed) this.tcp.write(EMPTY, () => process.nextTick(() => this.socket.terminate()));
  }

  private receive(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (!isBinary) {
      this.reject(ErrorCode.ERROR_CODE_MALFORMED_FRAME, "text messages are not frames; send binary");
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let frame: Frame;
    try {
      const maxFrameBytes = this.maxFrameBytes;
      // The 500-user query by the fast path; every other frame, and anything malformed, by the general codec.
      frame = (bytes.length <= maxFrameBytes ? decodeQueryFrame(bytes) : null) ?? decodeFrame(bytes, { maxFrameBytes });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      this.reject(error.code, error.message);
      return;
    }
    this.context.observer?.received(this.id, frame);
    const refusal = this.context.shedder?.refusal(frame);
    // A refusal waits for the answers to earlier requests: answers never overtake each other.
    if (refusal) this.answered = this.answered.then(() => this.send(refusal));
    else this.answered = this.context.engine.receive(this.id, frame);
  }

  private send(frame: Frame): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    const body = frame.body;
    if (frame.requestId === 0 && body?.$case === "userStatusChanged" && splicesExactly(frame)) {
      const replaced = this.pending.add(body.value.statuses);
      if (replaced > 0) this.context.observer?.superseded(replaced);
      this.holdNotifications();
      return;
    }
    if (this.socket.bufferedAmount > this.context.maxBufferedBytes) {
      // A client that does not read would make the server buffer without bound.
      this.context.logger.log("warn", "slow consumer dropped", { connection: this.id, buffered: this.socket.bufferedAmount });
      this.context.observer?.slowConsumer(this.id);
      this.end();
      this.socket.close(CLOSE_CODES.policyViolation, "slow consumer");
      void this.context.engine.disconnect(this.id);
      return;
    }
    this.answer(frame);
  }

  /** The write batch's call at the end of a turn with answers; without a window, the notifications were just written into the cork. */
  flushTurn(): void {
    this.corked = false;
    this.tcp.uncork();
  }

  /** The write batch's call when the window the notifications waited for closes. */
  flushWindow(): void {
    this.windowHeld = false;
    this.flushNotifications();
  }

  /** The notifications gathered, as one frame, unless the client is behind. */
  private flushNotifications(): void {
    if (this.pending.size === 0 || this.socket.readyState !== this.socket.OPEN) return;
    // Held only while the socket will say it drained: past its high-water mark a write returned false.
    const behind = this.tcp.writableNeedDrain && this.socket.bufferedAmount > Math.min(this.context.slowConsumerBytes, this.context.maxBufferedBytes);
    if (!behind) return this.writePending();
    this.context.observer?.superseded(this.pending.coalesce());
    if (this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.tcp.once("drain", () => {
      this.awaitingDrain = false;
      if (this.pending.size > 0 && this.socket.readyState === this.socket.OPEN) this.holdNotifications();
    });
  }

  private writePending(): void {
    if (this.pending.size === 0) return;
    const statuses = this.pending.take();
    let frames: Uint8Array[];
    try {
      frames = this.context.frameEncoder.encodeNotifications(statuses, this.maxFrameBytes);
    } catch (error) {
      // Only a status larger than a frame gets here: the limits make that impossible unless an operator lowers max_frame_bytes.
      this.context.logger.log("error", "notification not encoded", { connection: this.id, error: String(error) });
      return;
    }
    writeMessages(this.socket, this.tcp, frames);
    this.context.observer?.notified(this.id, frames.length, statuses.length);
  }

  // Errors the transport detects itself: answered with an Error frame, then the connection closes.
  private reject(code: ErrorCode, message: string): void {
    this.context.logger.log("warn", "protocol violation", { connection: this.id, code: ErrorCode[code], message });
    this.closeWithError(code, message, closeCodeFor(code), ErrorCode[code]);
  }

  // The last frame goes out whatever the client's backlog: the connection ends either way.
  private closeWithError(code: ErrorCode, message: string, closeCode: number, reason: string): void {
    this.sendLast(errorFrame(0, code, message));
    this.end();
    this.socket.close(closeCode, reason);
    void this.context.engine.disconnect(this.id);
  }

  // Statuses held for a slow consumer go first: the last frame must not overtake them.
  private sendLast(frame: Frame, bytes?: Uint8Array): void {
    if (this.socket.readyState !== this.socket.OPEN) return;
    this.answer(frame, bytes);
  }

  /**
   * Writes a frame other than the turn's notifications. What was notified before goes first: an
   * answer never overtakes a notification. The socket stays corked for the rest of the turn, so the
   * answers and the notifications after them leave in one writev.
   */
  private answer(frame: Frame, bytes?: Uint8Array): void {
    if (!this.corked) {
      // Uncorked by `flushTurn`, which the write batch runs at the end of this turn.
      this.corked = true;
      this.tcp.cork();
      this.context.writeBatch.atTurnEnd(this);
    }
    this.writePending();
    writeMessages(this.socket, this.tcp, [bytes ?? this.context.frameEncoder.encode(frame, this.maxFrameBytes)]);
    this.context.observer?.sent(this.id, frame);
  }

  /** Notifications wait for the end of the turn, or of the write batch's window. */
  private holdNotifications(): void {
    if (this.windowHeld) return;
    this.windowHeld = true;
    this.context.writeBatch.atWindowEnd(this);
  }

  private get maxFrameBytes(): number {
    return this.context.engine.settings.limits.maxFrameBytes;
  }

  /** Marks the connection ended; false when it already was. */
  private end(): boolean {
    if (this.ended) return false;
    this.ended = true;
    this.context.onEnd(this.id);
    return true;
  }
}
