// The reference server: the engine behind a real WebSocket server (`ws`), one
// protocol frame per binary message, real time and real timers. This module
// puts the parts together; each connection is a Connection (connection.ts).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import { AdminApi } from "../admin/admin.js";
import { ClusterNode } from "../cluster/node.js";
import { InMemoryFriends, InMemoryPresenceStore, InMemoryUserDirectory, PresenceEngine, resolveAppConfig, type ConnectionId } from "../engine/index.js";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { CLOSE_CODES, errorFrame } from "../protocol/index.js";
import { verifyToken } from "../token/token.js";
import { Admission, connectionLimit } from "./admission.js";
import { defaultServerConfig, type ServerConfig } from "./config.js";
import { descriptorLimit } from "./descriptors.js";
import { Connection, type ConnectionContext } from "./connection.js";
import { FrameEncoder } from "./frame-encoder.js";
import { handleHttpRequest } from "./health.js";
import { silentLogger, type Logger } from "./log.js";
import { ServerMetrics } from "./metrics.js";
import { originAllowed } from "./origin.js";
import { LoadShedder } from "./overload.js";
import { FrameLimitedWebSocket } from "./oversize-socket.js";
import { RealTimers } from "./real-timers.js";
import { WriteBatch } from "./write-batch.js";

export interface ServerOptions extends Partial<ServerConfig> {
  logger?: Logger;
}

export interface PresenceServer {
  /** ws://host:port/path */
  readonly url: string;
  readonly port: number;
  readonly engine: PresenceEngine;
  readonly config: ServerConfig;
  /** In cluster mode, this node's part in the cluster. */
  readonly cluster: ClusterNode | undefined;
  /** Open connections. */
  readonly connectionCount: number;
  /** Connections admitted at most (Infinity when no limit is known). */
  readonly maxConnections: number;
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

  const friendPairs = Object.entries(config.friends).flatMap(([user, list]) => list.map((friend) => [user, friend] as const));
  const cluster: ClusterNode | undefined = config.redisUrl ? await startCluster(config, logger, () => cluster!.friends.befriendAll(friendPairs)) : undefined;
  const friends = cluster?.friends ?? new InMemoryFriends();
  await friends.befriendAll(friendPairs);

  const timers = new RealTimers();
  const engine: PresenceEngine = new PresenceEngine({
    clock: { now: () => Date.now() },
    timers,
    config: config.app,
    friends,
    // One node's state starts afresh with the process, so its start time is the epoch.
    store: cluster?.store ?? new InMemoryPresenceStore(BigInt(startedAtMs)),
    nodeId: cluster?.nodeId,
    relay: cluster?.relay,
    directory: new InMemoryUserDirectory(config.users),
    authenticate: (userId, token, nowMs) => verifyToken(token, userId, config.secret, nowMs),
    sink: (effect) => connections.get(effect.connectionId)?.apply(effect),
    onError: (error) => logger.log("error", "engine event failed", { error: String(error) }),
  });
  const metrics = new ServerMetrics(engine, () => {
    let held = 0;
    for (const connection of connections.values()) held += connection.pendingStatuses;
    return held;
  });
  const admission = new Admission(connectionLimit(config.maxConnections, descriptorLimit()), () => connections.size);
  const shedder = config.maxEventLoopLagMs > 0 ? new LoadShedder(config.maxEventLoopLagMs) : undefined;
  const connectionContext: ConnectionContext = {
    engine,
    frameEncoder: metrics.timed(new FrameEncoder()),
    logger,
    maxBufferedBytes: config.maxBufferedBytes,
    slowConsumerBytes: config.slowConsumerBytes,
    observer: metrics,
    onEnd: (id) => {
      connections.delete(id);
      metrics.ended(id);
    },
    shedder,
    writeBatch: new WriteBatch(config.notificationFlushMs),
  };

  await cluster?.start(engine);
  const health = {
    get closing() {
      return closing;
    },
    get degraded() {
      return cluster !== undefined && !cluster.healthy;
    },
    get connectionCount() {
      return connections.size;
    },
    get full() {
      return admission.full;
    },
    maxConnections: admission.maxConnections,
    get shedding() {
      return shedder?.shedding ?? false;
    },
    startedAtMs,
  };
  const admin = config.adminKey ? new AdminApi({ engine, friends, logger, adminKey: config.adminKey }) : undefined;
  if (!admin) logger.log("info", "admin API and console off: no admin key configured");
  const http = createServer((request, response) => {
    if (admin?.handles(request)) return void admin.handle(request, response);
    if (metrics.handles(request)) return void metrics.respond(response);
    handleHttpRequest(health, request, response);
  });

  // ws refuses messages over maxPayload from their header, without buffering them; FrameLimitedWebSocket
  // sends ERROR_CODE_FRAME_TOO_LARGE before that close. Up to twice the spec's maximum the connection
  // reads the frame and answers the same.
  const maxPayload = 2 * engine.settings.limits.maxFrameBytes;
  const wss = new WebSocketServer({
    server: http,
    path: config.path,
    maxPayload,
    perMessageDeflate: false,
    WebSocket: FrameLimitedWebSocket,
    verifyClient: (info, done) => {
      if (!originAllowed(config.allowedOrigins, info.origin)) {
        logger.log("warn", "origin refused", { origin: info.origin, remote: info.req.socket.remoteAddress });
        return done(false, 403, "origin not allowed");
      }
      admission.verifyClient(info, done);
    },
  });
  wss.on("connection", (socket, request) => {
    if (closing) {
      socket.close(CLOSE_CODES.goingAway, "shutting down");
      return;
    }
    const connection = new Connection(`c${nextConnection++}`, socket, connectionContext, request.socket);
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
    cluster,
    get connectionCount() {
      return connections.size;
    },
    maxConnections: admission.maxConnections,
    async close() {
      if (closing) return;
      closing = true;
      shedder?.stop();
      logger.log("info", "shutting down", { connections: connections.size });
      const started = performance.now();
      // Sockets whose client does not read its last frames are cut 2 s after the shutdown began.
      const cut = setTimeout(() => {
        for (const client of wss.clients) client.terminate();
      }, 2000);
      // Every client is told the same: one encoding for all of them.
      const frame = errorFrame(0, ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN, "server shutting down");
      const goodbye = { frame, bytes: connectionContext.frameEncoder.encode(frame, engine.settings.limits.maxFrameBytes) };
      for (const connection of [...connections.values()]) connection.shutDown(goodbye);
      const told = performance.now();
      // One event for every loss; it and the events before it end (they may schedule timers) before the timers stop.
      const unreleased = await engine.shutDown();
      await engine.idle();
      const lost = performance.now();
      timers.cancelAll();
      admin?.close();
      await cluster?.close({ released: unreleased.length === 0 });
      await closeServer(wss, http);
      clearTimeout(cut);
      const ms = (from: number, to: number) => Math.round(to - from);
      logger.log("info", "stopped", { closeMs: ms(started, told), lossesMs: ms(told, lost), serversMs: ms(lost, performance.now()) });
    },
  };
}

async function startCluster(config: ServerConfig, logger: Logger, restoreFriends: () => Promise<void>): Promise<ClusterNode> {
  const cluster = await ClusterNode.connect({
    redisUrl: config.redisUrl!,
    nodeName: config.nodeId,
    leaseTtlMs: config.leaseTtlMs,
    keyPrefix: config.clusterKeyPrefix,
    rateWindowMs: resolveAppConfig(config.app).limits.rateLimitWindowMs,
    onFreshState: restoreFriends,
    onError: (error, context) => logger.log("error", `cluster: ${context} failed`, { error: String(error) }),
    onEvent: (event, fields) => logger.log("info", `cluster: ${event}`, fields),
  });
  logger.log("info", "cluster mode", { node: cluster.nodeId, epoch: cluster.store.epoch });
  return cluster;
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
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
