// JSON over HTTP for the admin API: reading a bounded JSON body, answering
// JSON, and the typed error every refusal is (status, code, field, message).
import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import { PresenceWireError } from "../codec/errors.js";
import { firstProblem } from "./settings-schema.js";

/** A request the admin API refuses; answered as `{"error": {code, field?, message}}` with `status`. */
export class AdminHttpError extends PresenceWireError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }

  toJSON(): { error: { code: string; field?: string; message: string } } {
    return { error: { code: this.code, ...(this.field !== undefined && { field: this.field }), message: this.message } };
  }
}

/** The parsed JSON body. Bodies must say they are JSON: a cross-site HTML form cannot, so it cannot act here. */
export async function readJson(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = request.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) throw new AdminHttpError(415, "unsupported_media_type", "send the body as application/json");
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new AdminHttpError(413, "body_too_large", `the body exceeds ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    throw new AdminHttpError(400, "invalid_json", "the body is not JSON");
  }
}

/** The value as `schema` types it, or a 400 naming the first field at fault (within `name`, e.g. a path parameter). */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown, name = ""): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const { field, message } = firstProblem(parsed.error);
  throw new AdminHttpError(400, "invalid_field", message, [name, field].filter(Boolean).join("."));
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers }).end(JSON.stringify(body));
}
