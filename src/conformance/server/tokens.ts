// Login tokens for the users the kit invents. The token format is the
// server's concern (session.proto, LoginRequest.token): the kit mints the
// reference HMAC format with --secret, or runs the team's --token-command.
import { execFile } from "node:child_process";
import { createToken } from "../../token/token.js";
import { ConformanceSetupError } from "../errors.js";

export interface TokenSource {
  /** A valid token for `userId`. */
  tokenFor(userId: string): Promise<string>;
  /** An expired token for `userId`, when the kit can make one (only with the reference format). */
  expiredTokenFor(userId: string): string | undefined;
  /** How tokens are made, for the report. */
  readonly description: string;
}

const TOKEN_TTL_MS = 3_600_000;

export function hmacTokens(secret: string): TokenSource {
  return {
    tokenFor: async (userId) => createToken({ userId, expiresAtMs: Date.now() + TOKEN_TTL_MS }, secret),
    expiredTokenFor: (userId) => createToken({ userId, expiresAtMs: Date.now() - 60_000 }, secret),
    description: "reference HMAC-SHA256 tokens (--secret)",
  };
}

/** Runs `command` through the shell with every `{user}` replaced by the quoted user id; its trimmed output is the token. */
export function commandTokens(command: string, timeoutMs = 10_000): TokenSource {
  if (!command.includes("{user}")) throw new ConformanceSetupError("--token-command must contain {user}, replaced by the user id");
  const cache = new Map<string, Promise<string>>();
  const run = (userId: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const line = command.replaceAll("{user}", shellQuote(userId));
      execFile("/bin/sh", ["-c", line], { timeout: timeoutMs }, (error, stdout) => {
        const token = stdout.trim();
        if (error || token === "") {
          reject(new ConformanceSetupError(`--token-command failed for user ${JSON.stringify(userId)}: ${error?.message ?? "it printed nothing"}`));
          return;
        }
        resolve(token);
      });
    });
  return {
    tokenFor: (userId) => {
      let token = cache.get(userId);
      if (!token) {
        token = run(userId);
        cache.set(userId, token);
      }
      return token;
    },
    expiredTokenFor: () => undefined,
    description: `--token-command ${command}`,
  };
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
