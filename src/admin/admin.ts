// The admin HTTP API (under /admin/v1) and the console page (/console), both
// behind the admin key. Routing, the key check, the same-origin check and the
// error answers are here; what each endpoint does is in routes.ts.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FriendsRegistry, PresenceEngine } from "../engine/index.js";
import { keyMatches, presentedKey } from "./auth.js";
import { CONSOLE_FILES } from "./console-page.js";
import { StatusFeed } from "./events.js";
import { AdminHttpError, readJson, sendJson } from "./http.js";
import * as routes from "./routes.js";

export const ADMIN_PREFIX = "/admin/v1";
export const CONSOLE_PATH = "/console";
/** Large enough for MAX_FRIEND_PAIRS pairs of long ids. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const REALM = 'Basic realm="presence admin", charset="UTF-8"';

/** Where refusals and failures are logged (the server's logger fits). */
export interface AdminLogger {
  log(level: "warn" | "error", message: string, fields?: Record<string, unknown>): void;
}

export interface AdminOptions {
  engine: PresenceEngine;
  friends: FriendsRegistry;
  logger: AdminLogger;
  /** Checked on every request, in constant time. */
  adminKey: string;
}

type Handler = (context: routes.AdminContext, request: IncomingMessage, params: string[]) => unknown;

const body = (request: IncomingMessage) => readJson(request, MAX_BODY_BYTES);

/**
 * [method, path under the prefix, handler]; a `{name}` segment is a parameter, handed to the handler in
 * order. A handler's result is the JSON answer; "stream" is the live feed of server-sent events (events.ts).
 */
export const ROUTES: readonly (readonly [string, string, Handler | "stream"])[] = [
  ["GET", "/settings", ({ engine }) => routes.settingsOf(engine)],
  ["PATCH", "/settings", async (context, request) => routes.changeSettings(context, await body(request))],
  ["GET", "/counts", (context) => routes.counts(context)],
  ["POST", "/statuses/query", async (context, request) => routes.queryStatuses(context, await body(request))],
  ["POST", "/friends/import", async (context, request) => routes.importFriends(context, await body(request))],
  ["PUT", "/friends", async (context, request) => routes.replaceFriends(context, await body(request))],
  ["POST", "/friends/remove", async (context, request) => routes.removeFriends(context, await body(request))],
  ["GET", "/friends/{userId}", (context, _request, [userId]) => routes.friendsOf(context, userId!)],
  ["POST", "/users/{userId}/kick", async (context, request, [userId]) => routes.kick(context, userId!, await body(request))],
  ["GET", "/events", "stream"],
];

const PATTERNS = new Map(ROUTES.map(([, template]) => [template, new RegExp(`^${template.replace(/\{\w+\}/g, "([^/]+)")}$`)]));

export class AdminApi {
  private readonly feed: StatusFeed;
  private readonly context: routes.AdminContext;

  constructor(private readonly options: AdminOptions) {
    this.feed = new StatusFeed(options.engine);
    this.context = { engine: options.engine, friends: options.friends };
  }

  /** Whether the request is the admin API's or the console's to answer. */
  handles(request: IncomingMessage): boolean {
    const path = pathOf(request);
    return path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`) || path === ADMIN_PREFIX || path.startsWith(`${ADMIN_PREFIX}/`);
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      this.authorize(request);
      const path = pathOf(request);
      if (path.startsWith(CONSOLE_PATH)) return this.console(request, response, path);
      const route = path.slice(ADMIN_PREFIX.length);
      const matches = ROUTES.filter(([, template]) => PATTERNS.get(template)!.test(route));
      if (matches.length === 0) throw new AdminHttpError(404, "not_found", `no admin endpoint ${route}`);
      const found = matches.find(([method]) => method === request.method);
      if (!found) throw new AdminHttpError(405, "method_not_allowed", `${route} takes ${matches.map(([m]) => m).join(", ")}`);
      const [, template, handler] = found;
      if (handler === "stream") return this.feed.open(request, response);
      const params = PATTERNS.get(template)!.exec(route)!.slice(1).map(decodePathPart);
      sendJson(response, 200, await handler(this.context, request, params));
    } catch (error) {
      this.fail(request, response, error);
    }
  }

  /** Ends the live feeds, so the HTTP server can close. */
  close(): void {
    this.feed.close();
  }

  private authorize(request: IncomingMessage): void {
    if (!keyMatches(this.options.adminKey, presentedKey(request))) {
      this.options.logger.log("warn", "admin request refused: no valid admin key", { path: pathOf(request), remote: request.socket.remoteAddress });
      throw new AdminHttpError(401, "unauthorized", "send the admin key: Authorization: Bearer <key>");
    }
    // A page of another site may make the browser send the cached key along; it may not act with it.
    const origin = request.headers.origin;
    if (origin !== undefined && hostOf(origin) !== request.headers.host) throw new AdminHttpError(403, "forbidden_origin", "cross-origin admin requests are refused");
  }

  private console(request: IncomingMessage, response: ServerResponse, path: string): void {
    if (request.method !== "GET") throw new AdminHttpError(405, "method_not_allowed", `${path} takes GET`);
    const page = Object.hasOwn(CONSOLE_FILES, path) ? CONSOLE_FILES[path] : undefined;
    if (!page) throw new AdminHttpError(404, "not_found", `no console page ${path}`);
    response
      .writeHead(200, {
        "content-type": page.type,
        "cache-control": "no-store",
        "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
        "x-content-type-options": "nosniff",
      })
      .end(page.text);
  }

  private fail(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    if (!(error instanceof AdminHttpError)) {
      this.options.logger.log("error", "admin request failed", { path: pathOf(request), error: String(error) });
      error = new AdminHttpError(500, "internal_error", "the request failed; see the server log");
    }
    const refusal = error as AdminHttpError;
    if (response.headersSent) {
      response.end();
      return;
    }
    // The browser asks for the key (HTTP Basic) when the console, or an API call of its page, gets this challenge.
    sendJson(response, refusal.status, refusal.toJSON(), refusal.status === 401 ? { "www-authenticate": REALM } : {});
  }
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?", 1)[0]!;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new AdminHttpError(400, "invalid_field", "not a valid percent-encoded path segment", "userId");
  }
}
