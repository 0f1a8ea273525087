// Login tokens: `base64url(payload).base64url(mac)`, where payload is JSON
// {"sub": user id, "exp": expiry in Unix ms} and mac is HMAC-SHA256 of the
// payload part under a secret shared with the application's backend. The
// server verifies them, the CLI and the demo mint them, and any backend can
// mint them too; see docs/server.md.
import { createHmac, timingSafeEqual } from "node:crypto";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { ConfigError } from "../codec/errors.js";

/** For development only: the server warns when it runs with it, and refuses it in production. */
export const DEV_SECRET = "presence-dev-secret-do-not-use-in-production";

/** Shorter secrets are refused: HMAC-SHA256 keys that short are guessable. */
export const MIN_SECRET_LENGTH = 16;

export interface TokenClaims {
  /** The user the token lets log in. */
  userId: string;
  /** When the token stops being accepted, in Unix milliseconds. */
  expiresAtMs: number;
}

function mac(secret: string, payloadPart: string): Buffer {
  return createHmac("sha256", secret).update(payloadPart).digest();
}

function checkSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`the token secret must be at least ${MIN_SECRET_LENGTH} characters`);
}

/** Mints a token for `userId`, valid until `expiresAtMs`. */
export function createToken(claims: TokenClaims, secret: string): string {
  checkSecret(secret);
  if (!Number.isSafeInteger(claims.expiresAtMs)) throw new ConfigError("expiresAtMs must be an integer");
  const payloadPart = Buffer.from(JSON.stringify({ sub: claims.userId, exp: claims.expiresAtMs })).toString("base64url");
  return `${payloadPart}.${mac(secret, payloadPart).toString("base64url")}`;
}

/**
 * Checks a token presented by `userId` at `nowMs`. Returns undefined when it is
 * good, else the spec's code: TOKEN_INVALID (malformed, bad signature, another
 * user's token) or TOKEN_EXPIRED.
 */
export function verifyToken(token: string, userId: string, secret: string, nowMs: number): ErrorCode | undefined {
  const [payloadPart, macPart, extra] = token.split(".");
  if (!payloadPart || !macPart || extra !== undefined) return ErrorCode.ERROR_CODE_TOKEN_INVALID;
  const expected = mac(secret, payloadPart);
  const presented = Buffer.from(macPart, "base64url");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return ErrorCode.ERROR_CODE_TOKEN_INVALID;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payloadPart, "base64url").toString("utf8"));
  } catch {
    return ErrorCode.ERROR_CODE_TOKEN_INVALID;
  }
  const { sub, exp } = (claims ?? {}) as { sub?: unknown; exp?: unknown };
  if (typeof sub !== "string" || typeof exp !== "number") return ErrorCode.ERROR_CODE_TOKEN_INVALID;
  if (sub !== userId) return ErrorCode.ERROR_CODE_TOKEN_INVALID;
  if (exp <= nowMs) return ErrorCode.ERROR_CODE_TOKEN_EXPIRED;
  return undefined;
}
