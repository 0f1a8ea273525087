// The client under test: the team's driver command, spawned through the
// shell, spoken to in JSON lines (driver-protocol.ts). Every line either way
// goes to the case's evidence.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { CheckFailure, ConformanceSetupError } from "../errors.js";
import type { EvidenceLog } from "../evidence.js";
import { Waiters } from "../waiters.js";
import type { DriverCommand, DriverEvent, DriverStatus } from "./driver-protocol.js";

type CommandBody = DriverCommand extends infer C ? (C extends DriverCommand ? Omit<C, "id"> : never) : never;
export type CommandResult = Extract<DriverEvent, { event: "result" }>;

const LABEL = "driver";

export class DriverProcess {
  readonly events: DriverEvent[] = [];
  private nextId = 1;
  private readonly waiters = new Waiters();
  private exited = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly log: EvidenceLog,
  ) {
    createInterface({ input: child.stdout }).on("line", (line) => this.onLine(line));
    createInterface({ input: child.stderr }).on("line", (line) => log.event(LABEL, `stderr: ${line}`));
    child.on("exit", (code, signal) => {
      this.exited = true;
      log.event(LABEL, `the driver exited (${signal ?? `status ${code}`})`);
      this.waiters.wake();
    });
  }

  /** Starts `command` and waits for its `ready` event. */
  static async start(command: string, log: EvidenceLog, timeoutMs: number): Promise<DriverProcess> {
    log.event(LABEL, `starting ${command}`);
    const child = spawn("/bin/sh", ["-c", command], { stdio: "pipe" });
    const driver = new DriverProcess(child, log);
    try {
      await driver.until(() => (driver.events.some((e) => e.event === "ready") ? true : undefined), timeoutMs, "ready event");
    } catch (error) {
      driver.stop();
      throw new ConformanceSetupError(`the driver ${JSON.stringify(command)} did not start: ${String(error)}`, { cause: error });
    }
    return driver;
  }

  /** Sends a command without waiting; returns its id. */
  send(body: CommandBody): number {
    const id = this.nextId++;
    const line = JSON.stringify({ id, ...body });
    this.log.add(LABEL, "sent", line);
    this.child.stdin.write(`${line}\n`);
    return id;
  }

  async result(id: number, timeoutMs: number): Promise<CommandResult> {
    return this.until(() => this.events.find((e): e is CommandResult => e.event === "result" && e.id === id), timeoutMs, `result of command ${id}`);
  }

  /** Every status the SDK delivered so far, in order. */
  statuses(): DriverStatus[] {
    return this.events.flatMap((e) => (e.event === "statuses" ? e.statuses : []));
  }

  /** Waits until the SDK has delivered a status that `match` accepts. */
  async status(match: (status: DriverStatus) => boolean, timeoutMs: number, what: string): Promise<DriverStatus> {
    return this.until(() => this.statuses().find(match), timeoutMs, what);
  }

  stop(): void {
    this.child.stdin.end();
    if (!this.exited) this.child.kill("SIGKILL");
  }

  private async until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return this.waiters.until(
      () => {
        const found = probe();
        if (found === undefined && this.exited) throw new CheckFailure(`${LABEL}: no ${what}; the driver exited`);
        return found;
      },
      timeoutMs,
      () => `${LABEL}: no ${what} within ${timeoutMs} ms`,
    );
  }

  private onLine(line: string): void {
    this.log.add(LABEL, "received", line);
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      return; // not an event: a driver's own log line
    }
    if (typeof event === "object" && event !== null && typeof (event as { event?: unknown }).event === "string") {
      this.events.push(event as DriverEvent);
      this.waiters.wake();
    }
  }
}
