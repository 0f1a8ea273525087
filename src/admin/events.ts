// The live feed of status changes for the console: server-sent events, one
// `status` event per committed change, its data the UserStatus as proto3 JSON.
import type { IncomingMessage, ServerResponse } from "node:http";
import { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { PresenceEngine } from "../engine/index.js";

/** A reader this far behind is dropped rather than buffered without bound; its browser reconnects. */
const MAX_BEHIND_BYTES = 1024 * 1024;
/** A comment now and then keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

export class StatusFeed {
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly engine: PresenceEngine) {}

  open(request: IncomingMessage, response: ServerResponse): void {
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
    response.write(": presence status feed\n\n");
    this.streams.add(response);
    const keepalive = setInterval(() => response.write(": keepalive\n\n"), KEEPALIVE_MS);
    const stop = this.engine.onStatusChange((status) => {
      if (response.writableLength > MAX_BEHIND_BYTES) {
        response.end();
        return;
      }
      response.write(`event: status\ndata: ${JSON.stringify(UserStatus.toJSON(status))}\n\n`);
    });
    const end = () => {
      stop();
      clearInterval(keepalive);
      this.streams.delete(response);
    };
    request.on("close", end);
    response.on("close", end);
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    for (const response of [...this.streams]) response.end();
  }
}
