// A server with the admin API on, and a small admin client over real HTTP.
import type { PresenceServer, ServerOptions } from "../../src/server/server.js";
import { startServer } from "../e2e/harness.js";

export const ADMIN_KEY = "admin-key-0123456789abcdef";

export async function startAdminServer(options: ServerOptions = {}): Promise<PresenceServer> {
  return startServer({ adminKey: ADMIN_KEY, ...options });
}

export function httpBase(server: PresenceServer): string {
  return `http://127.0.0.1:${server.port}`;
}

/** Calls the admin API with the key; `body` is sent as JSON. */
export async function admin(server: PresenceServer, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${httpBase(server)}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body !== undefined && { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}
