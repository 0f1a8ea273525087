// The client's log: what it does, written to the application's logger at or
// above a level. Without a logger it is silent.
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Readonly<Record<string, unknown>>;

/** Where the client writes its log; `console` is one. A missing method silences its level. */
export type ClientLogger = { readonly [L in LogLevel]?: (message: string, fields?: LogFields) => void };

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export class Log {
  constructor(
    private readonly logger: ClientLogger | undefined,
    private readonly minimum: LogLevel,
  ) {}

  /** Writes `message` at `level`, if the logger has that level and it is not below the minimum. */
  write(level: LogLevel, message: string, fields?: LogFields): void {
    if (RANK[level] < RANK[this.minimum]) return;
    const method = this.logger?.[level];
    if (method === undefined) return;
    const present = fields && Object.entries(fields).filter(([, value]) => value !== undefined);
    if (present === undefined || present.length === 0) method.call(this.logger, `presence: ${message}`);
    else method.call(this.logger, `presence: ${message}`, Object.fromEntries(present));
  }
}
