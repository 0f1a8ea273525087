// The server's plain HTTP requests (those that are not a WebSocket upgrade):
// GET /healthz for load balancers and probes, 404 for anything else.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface HealthSource {
  readonly closing: boolean;
  /** Cluster mode with Redis unreachable: existing connections are served, requests needing Redis are refused with a retry-after. */
  readonly degraded: boolean;
  readonly connectionCount: number;
  /** When the server started, in Unix ms. */
  readonly startedAtMs: number;
}

export function handleHttpRequest(health: HealthSource, request: IncomingMessage, response: ServerResponse): void {
  if (request.method === "GET" && request.url === "/healthz") {
    const body = JSON.stringify({
      status: health.closing ? "shutting-down" : health.degraded ? "degraded" : "ok",
      connections: health.connectionCount,
      uptimeMs: Date.now() - health.startedAtMs,
      protocol: "presence.v1",
    });
    // 503 while shutting down, so a load balancer stops sending new clients here.
    response.writeHead(health.closing ? 503 : 200, { "content-type": "application/json" }).end(body);
    return;
  }
  response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "not found" }));
}
