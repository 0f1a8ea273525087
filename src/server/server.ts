// The reference server: the engine behind a real WebSocket server (`ws`), one
// protocol frame per binary message, real time and real timers. This module
// puts the parts together; each connection is a Connection (connection.ts).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { InMemoryFriends, InMemoryUserDirectory, PresenceEngine, type ConnectionId } from "../engine/index.js";
import { CLOSE_CODES } from "../protocol/index.js";
import { verifyToken } from "../token/token.js";
import { defaultServerConfig, type ServerConfig } from "./config.js";
import { Connection, type ConnectionContext } from "./connection.js";
import { FrameEncoder } from "./frame-encoder.js";
import { handleHttpRequest } from "./health.js";
import { silentLogger, type Logger } from "./log.js";
import { FrameLimitedWebSocket } from "./oversize-socket.js";
import { RealTimers } from "./real-timers.js";

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
  const connections = new Map<ConnectionId, Connection>();
  const startedAtMs = Date.now();
  let nextConnection = 1;
  let closing = false;

  const friends = new InMemoryFriends();
  for (const [user, list] of Object.entries(config.friends)) for (const friend of list) friends.befriend(user, friend);

  const timers = new RealTimers();
  const engine: PresenceEngine = new PresenceEngine({
    clock: { now: () => Date.now() },
    timers,
    config: config.app,
    friends,
    directory: new InMemoryUserDirectory(config.users),
    authenticate: (userId, token, nowMs) => verifyToken(token, userId, config.secret, nowMs),
    sink: (effect) => connections.get(effect.connectionId)?.apply(effect),
    onError: (error) => logger.log("error", "engine event failed", { error: String(error) }),
  });
  const connectionContext: ConnectionContext = {
    engine,
    frameEncoder: new FrameEncoder(),
    logger,
    maxBufferedBytes: config.maxBufferedBytes,
    onEnd: (id) => connections.delete(id),
  };

  const health = {
    get closing() {
      return closing;
    },
    get connectionCount() {
      return connections.size;
    },
    startedAtMs,
  };
  const http = createServer((request, response) => handleHttpRequest(health, request, response));

  // ws refuses messages over maxPayload from their header, without buffering them; FrameLimitedWebSocket
  // sends ERROR_CODE_FRAME_TOO_LARGE before that close. Up to twice the spec's maximum the connection
  // reads the frame and answers the same.
  const maxPayload = 2 * engine.settings.limits.maxFrameBytes;
  const wss = new WebSocketServer({ server: http, path: config.path, maxPayload, perMessageDeflate: false, WebSocket: FrameLimitedWebSocket });
  wss.on("connection", (socket, request) => {
    if (closing) {
      socket.close(CLOSE_CODES.goingAway, "shutting down");
      return;
    }
    const connection = new Connection(`c${nextConnection++}`, socket, connectionContext);
    connections.set(connection.id, connection);
    logger.log("info", "connection opened", { connection: connection.id, remote: request.socket.remoteAddress });
    connection.open();
  });

  await listen(http, config.port, config.host);
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
      return connections.size;
    },
    async close() {
      if (closing) return;
      closing = true;
      logger.log("info", "shutting down", { connections: connections.size });
      for (const connection of [...connections.values()]) connection.shutDown();
      // The engine finishes the losses it was told of (they may schedule timers) before the timers stop.
      await engine.idle();
      timers.cancelAll();
      await closeServer(wss, http);
      logger.log("info", "stopped");
    },
  };
}

function listen(http: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(port, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
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
