// Structured logs: one JSON object per line, so they can be shipped and queried.

export type LogLevel = "debug" | "info" | "warn" | "error";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Writes JSON lines at or above `level` to `write` (default: standard output). */
export function jsonLogger(level: LogLevel = "info", write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  return {
    log(at, message, fields = {}) {
      if (ORDER[at] < ORDER[level]) return;
      write(`${JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields }, bigintAsString)}\n`);
    },
  };
}

export const silentLogger: Logger = { log() {} };

function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}
