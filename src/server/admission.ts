// Admission: how many WebSocket connections this node takes. Every socket
// is a file descriptor; a process that runs out of them can no longer accept
// anything, health checks included, so the node stops admitting connections
// a reserve short of its descriptor limit and refuses the rest at once.
import type { IncomingMessage } from "node:http";

/** Descriptors kept for health checks, a store's connections, log files and sockets being refused. */
export const RESERVED_DESCRIPTORS = 500;
/** The Retry-After of a refused upgrade, in seconds. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The most connections to admit: `configured` (0: no choice made) capped by
 * the descriptor limit minus the reserve; unbounded when neither is known.
 */
export function connectionLimit(configured: number, limit: number | undefined): number {
  const fromDescriptors = limit === undefined ? Infinity : Math.max(1, limit - RESERVED_DESCRIPTORS);
  return configured > 0 ? Math.min(configured, fromDescriptors) : fromDescriptors;
}

export class Admission {
  constructor(
    readonly maxConnections: number,
    private readonly connectionCount: () => number,
  ) {}

  get full(): boolean {
    return this.connectionCount() >= this.maxConnections;
  }

  /**
   * `ws`'s verifyClient: a full node answers the upgrade with 503 and a
   * Retry-After before the WebSocket exists, so the socket is freed at once.
   */
  readonly verifyClient = (
    _info: { req: IncomingMessage },
    answer: (admit: boolean, code?: number, message?: string, headers?: Record<string, string>) => void,
  ): void => {
    if (this.full) answer(false, 503, "Service Unavailable", { "Retry-After": String(RETRY_AFTER_SECONDS) });
    else answer(true);
  };
}
