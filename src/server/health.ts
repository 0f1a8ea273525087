// The server's plain HTTP requests (those that are not a WebSocket upgrade):
// GET /healthz for load balancers and probes, 404 for anything else.
import type { IncomingMessage, ServerResponse } from "node:http";
import { RETRY_AFTER_SECONDS } from "./admission.js";

export interface HealthSource {
  readonly closing: boolean;
  /** Cluster mode with Redis unreachable: existing connections are served, requests needing Redis are refused with a retry-after. */
  readonly degraded: boolean;
  /** No connection is admitted until one ends (admission.ts). */
  readonly full: boolean;
  readonly maxConnections: number;
  /** New logins and queries are refused (overload.ts). */
  readonly shedding: boolean;
  readonly connectionCount: number;
  /** When the server started, in Unix ms. */
  readonly startedAtMs: number;
}

export function handleHttpRequest(health: HealthSource, request: IncomingMessage, response: ServerResponse): void {
  if (request.method === "GET" && request.url === "/healthz") {
    const status = health.closing ? "shutting-down" : health.full ? "full" : health.degraded ? "degraded" : "ok";
    const body = JSON.stringify({
      status,
      connections: health.connectionCount,
      maxConnections: Number.isFinite(health.maxConnections) ? health.maxConnections : null,
      shedding: health.shedding,
      uptimeMs: Date.now() - health.startedAtMs,
      protocol: "presence.v1",
    });
    // 503 while shutting down or full, so a load balancer sends new clients elsewhere; the answer itself shows the node alive.
    // Degraded stays 200: every node of a cluster loses the same Redis, and the node still serves its connections.
    const headers = { "content-type": "application/json", ...(status === "full" ? { "retry-after": String(RETRY_AFTER_SECONDS) } : {}) };
    response.writeHead(status === "ok" || status === "degraded" ? 200 : 503, headers).end(body);
    return;
  }
  response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
}
