// The token format as docs/protocol.md section 10 describes it, built here by hand from that text,
// against the server's verifier: the description is enough to mint tokens in another language.
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { createToken, verifyToken } from "../../src/token/token.js";

const SECRET = "token-test-secret-0123456789";

function byHand(payload: string, secret = SECRET): string {
  const first = Buffer.from(payload, "utf8").toString("base64url");
  return `${first}.${createHmac("sha256", secret).update(first, "ascii").digest("base64url")}`;
}

describe("login tokens", () => {
  it("made from the documented format verify, and only for their own user", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1e6 }), (userId, ttlMs) => {
        const now = 1_700_000_000_000;
        const token = byHand(JSON.stringify({ sub: userId, exp: now + ttlMs }));
        expect(token).toBe(createToken({ userId, expiresAtMs: now + ttlMs }, SECRET));
        expect(verifyToken(token, userId, SECRET, now)).toBeUndefined();
        expect(verifyToken(token, `${userId}x`, SECRET, now)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
        expect(verifyToken(token, userId, `${SECRET}x`, now)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
      }),
    );
  });

  it("are expired when exp is at or before now", () => {
    const token = byHand(JSON.stringify({ sub: "alice", exp: 5000 }));
    expect(verifyToken(token, "alice", SECRET, 4999)).toBeUndefined();
    expect(verifyToken(token, "alice", SECRET, 5000)).toBe(ErrorCode.ERROR_CODE_TOKEN_EXPIRED);
    expect(verifyToken(token, "alice", SECRET, 5001)).toBe(ErrorCode.ERROR_CODE_TOKEN_EXPIRED);
  });

  it("are invalid when not two parts of a JSON object with a string sub and a number exp", () => {
    for (const payload of ['{"sub":"alice","exp":"9999999999999"}', '{"sub":1,"exp":9999999999999}', "[]", "not json"]) {
      expect(verifyToken(byHand(payload), "alice", SECRET, 0)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    }
    const good = byHand(JSON.stringify({ sub: "alice", exp: 9e12 }));
    expect(verifyToken(`${good}.x`, "alice", SECRET, 0)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
    expect(verifyToken(good.split(".")[0]!, "alice", SECRET, 0)).toBe(ErrorCode.ERROR_CODE_TOKEN_INVALID);
  });
});
