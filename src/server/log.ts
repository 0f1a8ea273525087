// Structured logs through pino: one JSON object per line (`time`, `level`,
// `msg` and the event's fields), so they can be shipped and queried.
import { pino } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Writes JSON lines at or above `level` to `write` (default: standard output). */
export function jsonLogger(level: LogLevel = "info", write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const logger = pino(
    {
      level,
      // No pid or hostname on every line: the process supervisor knows them.
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    { write },
  );
  return {
    log(at, message, fields = {}) {
      logger[at](fields, message);
    },
  };
}

export const silentLogger: Logger = { log() {} };
