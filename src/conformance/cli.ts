// `presence-wire conformance server <ws-url> ...`: parses the options, runs the
// cases, prints the table, writes the JSON and HTML reports, and answers with
// the exit status (0: no FAIL, 1: a FAIL, 2: a usage or setup error).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PresenceWireError } from "../codec/errors.js";
import { ConformanceSetupError } from "./errors.js";
import { renderHtml } from "./report/html.js";
import type { ConformanceReport } from "./report/model.js";
import { formatCaseLine, formatTotals } from "./report/table.js";
import { SERVER_FAMILIES, commandTokens, hmacTokens, runServerConformance, type ServerTarget } from "./server/index.js";

export const CONFORMANCE_USAGE = `presence-wire conformance: check a presence.v1 implementation over the wire

Usage:
  presence-wire conformance server WS_URL (--secret SECRET | --token-command 'CMD {user}') [options]
  presence-wire conformance list      List every server case with the rule it checks.

Options:
  --secret SECRET          Mint reference HMAC tokens (docs/server.md) with this secret.
  --token-command CMD      Run CMD through the shell for each user; {user} is replaced by the
                           quoted user id and the command prints that user's token.
  --switch-off-url URL     The same server configured with the feature switch off.
  --basic-plan-url URL     The same server configured on the basic plan.
  --friends A:B[,C:D]      Pairs of users the server at WS_URL has as friends, with friend
                           auto-notification on.
  --max-wait DURATION      Skip cases that wait longer on the server's timers (default 30s;
                           e.g. 500ms, 45s, 10m).
  --timeout DURATION       How long to wait for an expected answer, push or close (default 5s).
  --case ID                Run only this case, or every case whose id starts with ID (repeatable).
  --json FILE              Write the report as JSON.
  --html FILE              Write the report as a self-contained HTML page.
  --fail-on-skip           Exit 1 when a case is SKIPPED too (for CI).
  -h, --help               This text.

The server at WS_URL must run the premium plan with the feature switch on.
Exit status: 0 when no case failed, 1 when one did, 2 on a usage or setup error.
`;

export class ConformanceUsageError extends PresenceWireError {}

export interface ConformanceIo {
  out(text: string): void;
  err(text: string): void;
}

const processIo: ConformanceIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

export function parseDuration(value: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new ConformanceUsageError(`${option} must be a duration such as 500ms, 30s or 10m, got ${value}`);
  const scale = { ms: 1, s: 1000, m: 60_000 }[match[2] ?? "s"] ?? 1000;
  return Math.round(Number(match[1]) * scale);
}

function parseFriends(value: string | undefined): [string, string][] {
  if (!value) return [];
  return value.split(",").map((pair) => {
    const [a, b, extra] = pair.split(":");
    if (!a || !b || extra !== undefined) throw new ConformanceUsageError(`--friends takes pairs A:B separated by commas, got ${pair}`);
    return [a, b];
  });
}

function serverTarget(url: string | undefined, values: Record<string, string | boolean | string[] | undefined>): ServerTarget {
  if (!url || !/^wss?:\/\//.test(url)) throw new ConformanceUsageError("conformance server needs a ws:// or wss:// URL");
  const secret = values.secret as string | undefined;
  const command = values["token-command"] as string | undefined;
  if ((secret === undefined) === (command === undefined)) throw new ConformanceUsageError("give exactly one of --secret and --token-command");
  return {
    url,
    switchOffUrl: values["switch-off-url"] as string | undefined,
    basicPlanUrl: values["basic-plan-url"] as string | undefined,
    friends: parseFriends(values.friends as string | undefined),
    tokens: secret !== undefined ? hmacTokens(secret) : commandTokens(command!),
    maxWaitMs: parseDuration((values["max-wait"] as string | undefined) ?? "30s", "--max-wait"),
    answerTimeoutMs: parseDuration((values.timeout as string | undefined) ?? "5s", "--timeout"),
  };
}

function writeReports(report: ConformanceReport, json: string | undefined, html: string | undefined, io: ConformanceIo): void {
  if (json) {
    writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
    io.out(`JSON report: ${json}\n`);
  }
  if (html) {
    writeFileSync(html, renderHtml(report));
    io.out(`HTML report: ${html}\n`);
  }
}

/** Runs `presence-wire conformance ...` with `argv` (the words after "conformance"); resolves to the exit status. */
export async function runConformanceCli(argv: string[], io: ConformanceIo = processIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        secret: { type: "string" },
        "token-command": { type: "string" },
        "switch-off-url": { type: "string" },
        "basic-plan-url": { type: "string" },
        friends: { type: "string" },
        "max-wait": { type: "string" },
        timeout: { type: "string" },
        case: { type: "string", multiple: true },
        json: { type: "string" },
        html: { type: "string" },
        "fail-on-skip": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    const [subject, url, extra] = positionals;
    if (values.help || subject === undefined) {
      io.out(CONFORMANCE_USAGE);
      return values.help ? 0 : 2;
    }
    if (extra !== undefined) throw new ConformanceUsageError(`unexpected argument ${extra}`);
    if (subject === "list") {
      for (const family of SERVER_FAMILIES) for (const c of family.cases) io.out(`${c.id.padEnd(40)} ${c.title}\n${" ".repeat(41)}rule: ${c.rule}\n`);
      return 0;
    }
    if (subject !== "server") throw new ConformanceUsageError(`unknown subject ${subject}; use server or list`);
    const target = serverTarget(url, values);
    io.out(`presence.v1 server conformance: ${target.url}\n`);
    const report = await runServerConformance(target, SERVER_FAMILIES, { only: values.case, onResult: (result) => io.out(`${formatCaseLine(result)}\n`) });
    io.out(`${formatTotals(report)}\n`);
    writeReports(report, values.json, values.html, io);
    const failed = report.totals.FAIL > 0 || (values["fail-on-skip"] && report.totals.SKIPPED > 0);
    return failed ? 1 : 0;
  } catch (error) {
    if (error instanceof ConformanceUsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      io.err(`presence-wire conformance: ${error.message}\n\n${CONFORMANCE_USAGE}`);
      return 2;
    }
    if (error instanceof ConformanceSetupError || error instanceof PresenceWireError) {
      io.err(`presence-wire conformance: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
