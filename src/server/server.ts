// The reference server: the engine behind a real WebSocket server (`ws`), one
// protocol frame per binary message, real time and real timers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { DecodeError } from "../codec/errors.js";
import { decodeFrame, encodeFrame } from "../codec/messages.js";
import { InMemoryFriends, InMemoryUserDirectory, PresenceEngine, type EngineEffect, type Timers } from "../engine/index.js";
import { defaultServerConfig, type ServerConfig } from "./config.js";
import { FrameEncoder } from "./frame-encoder.js";
import { silentLogger, type Logger } from "./log.js";
import { verifyToken } from "../token/token.js";

/** WebSocket close codes the server uses (RFC 6455 section 7.4). */
export const CLOSE_CODES = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  unsupportedData: 1003,
  policyViolation: 1008,
  messageTooBig: 1009,
} as const;

// The engine's close reasons, mapped to what a WebSocket peer understands.
function closeCodeFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ERROR_CODE_UNSPECIFIED:
      return CLOSE_CODES.normal;
    case ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN:
      return CLOSE_CODES.goingAway;
    case ErrorCode.ERROR_CODE_FRAME_TOO_LARGE:
      return CLOSE_CODES.messageTooBig;
    case ErrorCode.ERROR_CODE_MALFORMED_FRAME:
      return CLOSE_CODES.protocolError;
    default:
      return CLOSE_CODES.policyViolation;
  }
}

/** The engine's timers on the real clock; `cancelAll` stops them when the server closes. */
class RealTimers implements Timers {
  private readonly live = new Map<number, NodeJS.Timeout>();
  private nextHandle = 1;

  schedule(delayMs: number, callback: () => void): number {
    const handle = this.nextHandle++;
    this.live.set(
      handle,
      setTimeout(() => {
        this.live.delete(handle);
        callback();
      }, delayMs),
    );
    return handle;
  }

  cancel(handle: number): void {
    clearTimeout(this.live.get(handle));
    this.live.delete(handle);
  }

  cancelAll(): void {
    for (const timer of this.live.values()) clearTimeout(timer);
    this.live.clear();
  }
}

export interface ServerOptions extends Partial<ServerConfig> {
  logger?: Logger;
}

export interface PresenceServer {
  /** ws://host:port/path */
  readonly url: string;
  readonly port: number;
  readonly engine: PresenceEngine;
  readonly config: ServerConfig;
  /** Open connections. */
  readonly connectionCount: number;
  /** Tells every client the server is going away, closes every connection, stops listening. */
  close(): Promise<void>;
}

/** Starts the reference server; resolves once it listens. */
export async function startPresenceServer(options: ServerOptions = {}): Promise<PresenceServer> {
  const { logger = silentLogger, ...overrides } = options;
  const config: ServerConfig = { ...defaultServerConfig(), ...overrides };
  const limits = () => engine.settings.limits;
  const sockets = new Map<string, WebSocket>();
  const startedAt = Date.now();
  let nextConnection = 1;
  let closing = false;

  const friends = new InMemoryFriends();
  for (const [user, list] of Object.entries(config.friends)) for (const friend of list) friends.befriend(user, friend);

  const frameEncoder = new FrameEncoder();
  const timers = new RealTimers();
  const engine: PresenceEngine = new PresenceEngine({
    clock: { now: () => Date.now() },
    timers,
    config: config.app,
    friends,
    directory: new InMemoryUserDirectory(config.users),
    authenticate: (userId, token, nowMs) => verifyToken(token, userId, config.secret, nowMs),
    sink: (effect) => applyEffect(effect),
  });

  function applyEffect(effect: EngineEffect): void {
    const socket = sockets.get(effect.connectionId);
    if (!socket) return;
    if (effect.type === "send") {
      send(effect.connectionId, socket, effect.frame);
      return;
    }
    sockets.delete(effect.connectionId);
    logger.log("info", "connection closed by server", { connection: effect.connectionId, reason: ErrorCode[effect.code] });
    socket.close(closeCodeFor(effect.code), ErrorCode[effect.code]);
  }

  function send(connectionId: string, socket: WebSocket, frame: Frame): void {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > config.maxBufferedBytes) {
      // A client that does not read would make the server buffer without bound.
      logger.log("warn", "slow consumer dropped", { connection: connectionId, buffered: socket.bufferedAmount });
      sockets.delete(connectionId);
      socket.close(CLOSE_CODES.policyViolation, "slow consumer");
      engine.disconnect(connectionId);
      return;
    }
    socket.send(frameEncoder.encode(frame, limits().maxFrameBytes));
  }

  // Errors the transport detects itself: answered with an Error frame, then the connection closes.
  function rejectConnection(connectionId: string, socket: WebSocket, code: ErrorCode, message: string): void {
    logger.log("warn", "protocol violation", { connection: connectionId, code: ErrorCode[code], message });
    if (socket.readyState === socket.OPEN) {
      socket.send(encodeFrame({ requestId: 0, body: { $case: "error", value: { code, message, retryAfterMs: 0 } } }));
    }
    sockets.delete(connectionId);
    socket.close(closeCodeFor(code), ErrorCode[code]);
    engine.disconnect(connectionId);
  }

  function onMessage(connectionId: string, socket: WebSocket, data: RawData, isBinary: boolean): void {
    if (!sockets.has(connectionId)) return;
    if (!isBinary) {
      rejectConnection(connectionId, socket, ErrorCode.ERROR_CODE_MALFORMED_FRAME, "text messages are not frames; send binary");
      return;
    }
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    let frame: Frame;
    try {
      frame = decodeFrame(bytes, { maxFrameBytes: limits().maxFrameBytes });
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      rejectConnection(connectionId, socket, error.code, error.message);
      return;
    }
    engine.receive(connectionId, frame);
  }

  const http = createServer((request, response) => handleHttp(request, response));
  function handleHttp(request: IncomingMessage, response: ServerResponse): void {
    if (request.method === "GET" && request.url === "/healthz") {
      const body = JSON.stringify({
        status: closing ? "shutting-down" : "ok",
        connections: sockets.size,
        uptimeMs: Date.now() - startedAt,
        protocol: "presence.v1",
      });
      response.writeHead(closing ? 503 : 200, { "content-type": "application/json" }).end(body);
      return;
    }
    response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
  }

  // ws refuses messages over maxPayload before buffering them (close 1009). Between the spec's maximum
  // and twice it, the server still reads the frame to answer ERROR_CODE_FRAME_TOO_LARGE first.
  const wss = new WebSocketServer({ server: http, path: config.path, maxPayload: 2 * limits().maxFrameBytes, perMessageDeflate: false });
  wss.on("connection", (socket, request) => {
    if (closing) {
      socket.close(CLOSE_CODES.goingAway, "shutting down");
      return;
    }
    const connectionId = `c${nextConnection++}`;
    sockets.set(connectionId, socket);
    logger.log("info", "connection opened", { connection: connectionId, remote: request.socket.remoteAddress });
    engine.connect(connectionId);
    socket.on("message", (data, isBinary) => onMessage(connectionId, socket, data, isBinary));
    socket.on("close", (code) => {
      if (!sockets.delete(connectionId)) return; // the server closed it and told the engine already
      logger.log("info", "connection lost", { connection: connectionId, code });
      engine.disconnect(connectionId);
    });
    socket.on("error", (error) => {
      logger.log("warn", "socket error", { connection: connectionId, error: error.message });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  const url = `ws://${host}:${port}${config.path}`;
  logger.log("info", "listening", { url, plan: engine.settings.plan, featureEnabled: engine.settings.featureEnabled });

  return {
    url,
    port,
    engine,
    config,
    get connectionCount() {
      return sockets.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      logger.log("info", "shutting down", { connections: sockets.size });
      for (const [connectionId, socket] of [...sockets]) {
        if (socket.readyState === socket.OPEN) {
          socket.send(
            encodeFrame({
              requestId: 0,
              body: { $case: "error", value: { code: ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN, message: "server shutting down", retryAfterMs: 0 } },
            }),
          );
        }
        sockets.delete(connectionId);
        socket.close(CLOSE_CODES.goingAway, "shutting down");
        engine.disconnect(connectionId);
      }
      timers.cancelAll();
      await closeServer(wss, http);
      logger.log("info", "stopped");
    },
  };
}

async function closeServer(wss: WebSocketServer, http: Server): Promise<void> {
  // Sockets that do not finish the closing handshake in time are cut.
  const deadline = setTimeout(() => {
    for (const client of wss.clients) client.terminate();
  }, 2000);
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => http.close(() => resolve()));
  clearTimeout(deadline);
}
