// Runs client cases one after another: each gets a fresh scripted server and
// a fresh driver process, so a client that stopped or broke in one case
// cannot disturb the next.
import { CheckFailure } from "../errors.js";
import { EvidenceLog } from "../evidence.js";
import { totalsOf, type CaseResult, type ConformanceReport } from "../report/model.js";
import { selectCases } from "../select.js";
import { judge } from "../verdict.js";
import type { ClientCase, ClientCaseFamily } from "./case.js";
import { ClientCaseContext } from "./context.js";
import { DriverProcess } from "./driver.js";
import { ScriptedServer } from "./scripted-server.js";

export interface ClientTarget {
  /** The shell command that starts the team's driver (driver-protocol.ts). */
  driverCommand: string;
  /** How long the kit waits for something it expects from the client. */
  answerTimeoutMs: number;
  /** How long a driver may take to print its ready event, and then to open its first connection. */
  startTimeoutMs: number;
}

export interface ClientRunOptions {
  /** Run only cases whose id equals or starts with one of these. */
  only?: readonly string[];
  onResult?: (result: CaseResult) => void;
}

/** A scenario's own waits are a few seconds; past this it is hung. */
const CASE_LIMIT_MS = 60_000;

export async function runClientConformance(target: ClientTarget, families: readonly ClientCaseFamily[], options: ClientRunOptions = {}): Promise<ConformanceReport> {
  const startedAt = new Date();
  const results: CaseResult[] = [];
  for (const { family, spec } of selectCases(families, options.only)) {
    const result = await runCase(target, family, spec);
    results.push(result);
    options.onResult?.(result);
  }
  return {
    subject: "client",
    target: target.driverCommand,
    protocol: "presence.v1",
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    settings: { answerTimeoutMs: target.answerTimeoutMs, startTimeoutMs: target.startTimeoutMs },
    totals: totalsOf(results),
    results,
  };
}

async function runCase(target: ClientTarget, family: string, spec: ClientCase): Promise<CaseResult> {
  const log = new EvidenceLog();
  const started = performance.now();
  const server = await ScriptedServer.start(log);
  let driver: DriverProcess | undefined;
  const outcome = await judge(async () => {
    driver = await DriverProcess.start(target.driverCommand, log, target.startTimeoutMs);
    await spec.run(new ClientCaseContext(log, server, driver, target.answerTimeoutMs, target.startTimeoutMs));
    expectNoViolations(server);
  }, CASE_LIMIT_MS);
  driver?.stop();
  await server.close();
  return {
    id: spec.id,
    family,
    title: spec.title,
    rule: spec.rule,
    ...outcome,
    durationMs: Math.round(performance.now() - started),
    evidence: log.entries,
    evidenceOmitted: log.omitted,
  };
}

/** Every case also fails on a text message, an invalid Frame or a request id 0 from the client. */
function expectNoViolations(server: ScriptedServer): void {
  const violation = server.connections.flatMap((connection) => connection.violations)[0];
  if (violation) throw new CheckFailure(violation);
}
