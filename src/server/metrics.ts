// The server's metrics in Prometheus format (prom-client), served at GET
// /metrics: gauges read from the engine when scraped, counters fed by the
// connections (each request with its answer's code, notifications, rate-limit
// refusals, slow consumers), the time to encode frames other than
// notifications, and the process metrics of prom-client (event-loop lag among
// them). One registry per server.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { ConnectionId, PresenceEngine } from "../engine/index.js";
import type { FrameEncoder } from "./frame-encoder.js";

export const METRICS_PATH = "/metrics";

/** What a connection tells the metrics of. */
export interface ConnectionObserver {
  /** A frame decoded from the client. */
  received(connectionId: ConnectionId, frame: Frame): void;
  /** A frame written to the client, other than the notifications. */
  sent(connectionId: ConnectionId, frame: Frame): void;
  /** Notifications written to the client: `frames` frames carrying `statuses` statuses. */
  notified(connectionId: ConnectionId, frames: number, statuses: number): void;
  /** Statuses a newer one of the same user replaced before a slow client could be sent them. */
  superseded(statuses: number): void;
  /** The client stopped reading and the server closed it. */
  slowConsumer(connectionId: ConnectionId): void;
}

/** "getUserStatusRequest" → "getUserStatus"; "ping" stays. */
const operationOf = (bodyCase: string) => bodyCase.replace(/Request$/, "");

export class ServerMetrics implements ConnectionObserver {
  readonly registry = new Registry();
  private readonly requests: Counter<"operation" | "code">;
  private readonly notifications: Counter;
  private readonly notifiedStatuses: Counter;
  private readonly supersededStatuses: Counter;
  private readonly rateLimited: Counter<"operation">;
  private readonly slowConsumers: Counter;
  private readonly encodeSeconds: Histogram<"body">;
  /** Per connection with requests not answered yet, the operation of each. */
  private readonly pending = new Map<ConnectionId, Map<number, string>>();

  /** `heldStatuses` reads the statuses waiting to be written to every connection. */
  constructor(engine: PresenceEngine, heldStatuses: () => number = () => 0) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const gauge = (name: string, help: string, read: (counts: ReturnType<PresenceEngine["counts"]>) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read(engine.counts()));
        },
      });
    gauge("presence_connections", "Open WebSocket connections, logged in or not.", (c) => c.connections);
    gauge("presence_logged_in_connections", "Connections logged in (one per device session).", (c) => c.loggedIn);
    gauge("presence_online_users", "Distinct users logged in on this node.", (c) => c.onlineUsers);
    this.requests = new Counter({ name: "presence_requests_total", help: "Requests answered, by operation and the answer's code (OK or an ErrorCode name).", labelNames: ["operation", "code"], registers });
    this.notifications = new Counter({ name: "presence_notifications_sent_total", help: "UserStatusChangedNotification frames sent.", registers });
    this.notifiedStatuses = new Counter({ name: "presence_notified_statuses_total", help: "Statuses sent in UserStatusChangedNotification frames.", registers });
    this.supersededStatuses = new Counter({
      name: "presence_superseded_statuses_total",
      help: "Statuses not sent to a slow client because a newer status of the same user replaced them first.",
      registers,
    });
    new Gauge({
      name: "presence_held_statuses",
      help: "Statuses waiting to be written, over every connection (at most one per watched user for a slow client).",
      registers,
      collect() {
        this.set(heldStatuses());
      },
    });
    this.rateLimited = new Counter({ name: "presence_rate_limit_refusals_total", help: "Requests refused with ERROR_CODE_FREQUENCY_LIMIT, by operation.", labelNames: ["operation"], registers });
    this.slowConsumers = new Counter({ name: "presence_slow_consumer_closes_total", help: "Connections closed because the client did not read.", registers });
    this.encodeSeconds = new Histogram({
      name: "presence_frame_encode_seconds",
      help: "Time to encode one outgoing frame other than a notification, by body.",
      labelNames: ["body"],
      buckets: [1e-6, 5e-6, 2e-5, 1e-4, 5e-4, 2e-3, 1e-2, 5e-2],
      registers,
    });
  }

  received(connectionId: ConnectionId, frame: Frame): void {
    if (frame.requestId === 0 || !frame.body) return;
    let open = this.pending.get(connectionId);
    if (!open) this.pending.set(connectionId, (open = new Map()));
    open.set(frame.requestId, operationOf(frame.body.$case));
  }

  sent(connectionId: ConnectionId, frame: Frame): void {
    if (frame.body?.$case === "userStatusChanged") this.notifications.inc();
    const open = this.pending.get(connectionId);
    const operation = open?.get(frame.requestId);
    if (operation === undefined) return;
    open!.delete(frame.requestId);
    // Most connections are idle between requests: none keeps an empty map.
    if (open!.size === 0) this.pending.delete(connectionId);
    const code = frame.body?.$case === "error" ? frame.body.value.code : ErrorCode.ERROR_CODE_UNSPECIFIED;
    this.requests.inc({ operation, code: code === ErrorCode.ERROR_CODE_UNSPECIFIED ? "OK" : (ErrorCode[code] ?? String(code)) });
    if (code === ErrorCode.ERROR_CODE_FREQUENCY_LIMIT) this.rateLimited.inc({ operation });
  }

  notified(_connectionId: ConnectionId, frames: number, statuses: number): void {
    this.notifications.inc(frames);
    this.notifiedStatuses.inc(statuses);
  }

  superseded(statuses: number): void {
    if (statuses > 0) this.supersededStatuses.inc(statuses);
  }

  slowConsumer(): void {
    this.slowConsumers.inc();
  }

  /** The connection ended: its unanswered requests will not be. */
  ended(connectionId: ConnectionId): void {
    this.pending.delete(connectionId);
  }

  /**
   * `encoder`, timing each frame it encodes but the notifications with a clock read and one
   * observation. A notification frame splices cached entries in well under a microsecond; timing
   * it cost more than encoding it, once per connection per flush (bench/ measures that encoding).
   */
  timed(encoder: Pick<FrameEncoder, "encode" | "encodeNotifications">): Pick<FrameEncoder, "encode" | "encodeNotifications"> {
    const histogram = this.encodeSeconds;
    return {
      encode: (frame, maxFrameBytes) => {
        const started = performance.now();
        const bytes = encoder.encode(frame, maxFrameBytes);
        histogram.observe({ body: frame.body?.$case ?? "none" }, (performance.now() - started) / 1000);
        return bytes;
      },
      encodeNotifications: (statuses, maxFrameBytes) => encoder.encodeNotifications(statuses, maxFrameBytes),
    };
  }

  handles(request: IncomingMessage): boolean {
    return request.method === "GET" && (request.url ?? "").split("?", 1)[0] === METRICS_PATH;
  }

  async respond(response: ServerResponse): Promise<void> {
    try {
      const text = await this.registry.metrics();
      response.writeHead(200, { "content-type": this.registry.contentType }).end(text);
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(error)}`);
    }
  }
}
