// The admin key check. The key arrives as `Authorization: Bearer <key>` (API
// clients) or as the password of HTTP Basic (the console in a browser, which
// then sends it with every request of the page).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** The key the request presents, if any. */
export function presentedKey(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value = ""] = header.split(" ", 2);
  if (scheme?.toLowerCase() === "bearer") return value;
  if (scheme?.toLowerCase() !== "basic") return undefined;
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/** Compares digests in constant time, so neither the key's bytes nor its length leak through timing. */
export function keyMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const digest = (key: string) => createHash("sha256").update(key, "utf8").digest();
  return timingSafeEqual(digest(expected), digest(given));
}
