// `presence-wire conformance server <ws-url> ...` and `... client --driver CMD`:
// parses the options, runs the cases, prints a line per case, writes the JSON
// and HTML reports, and answers with the exit status (0: no FAIL, 1: a FAIL,
// 2: a usage or setup error).
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { PresenceWireError } from "../codec/errors.js";
import { CLIENT_FAMILIES, runClientConformance, type ClientTarget } from "./client/index.js";
import { ConformanceUsageError } from "./errors.js";
import { formatCatalogue } from "./report/catalogue.js";
import { renderHtml } from "./report/html.js";
import type { CaseResult, ConformanceReport } from "./report/model.js";
import { formatCaseLine, formatCaseListing, formatTotals } from "./report/table.js";
import { isSelected } from "./select.js";
import { SERVER_FAMILIES, commandTokens, hmacTokens, runServerConformance, type ServerTarget } from "./server/index.js";

export const CONFORMANCE_USAGE = `presence-wire conformance: check a presence.v1 implementation over the wire

Usage:
  presence-wire conformance server WS_URL (--secret SECRET | --token-command 'CMD {user}') [options]
      Drive a server through every server case over real WebSockets.
  presence-wire conformance client --driver 'CMD' [options]
      Play every client scenario from a scripted server on a loopback port to the client
      that CMD drives (JSON lines on its standard input and output; docs/conformance.md).
  presence-wire conformance list [--markdown]
      List every case with the rule it checks (--markdown: the tables of docs/conformance.md).

Server options:
  --secret SECRET          Mint reference HMAC tokens (docs/server.md) with this secret.
  --token-command CMD      Run CMD through the shell for each user; {user} is replaced by the
                           quoted user id and the command prints that user's token.
  --switch-off-url URL     The same server configured with the feature switch off.
  --basic-plan-url URL     The same server configured on the basic plan.
  --friends A:B[,C:D]      Pairs of users the server at WS_URL has as friends, with friend
                           auto-notification on.
  --max-wait DURATION      Skip cases that wait longer on the server's timers (default 30s;
                           e.g. 500ms, 45s, 10m).

Client options:
  --driver CMD             The shell command that starts the client's driver.

Common options:
  --timeout DURATION       How long to wait for an expected answer, push or close (default 5s).
  --case ID                Run only this case, or every case whose id starts with ID (repeatable).
  --json FILE              Write the report as JSON.
  --html FILE              Write the report as a self-contained HTML page.
  --fail-on-skip           Exit 1 when a case is SKIPPED too (for CI).
  -h, --help               This text.

The server at WS_URL must run the premium plan with the feature switch on.
Our SDK's driver: node --import tsx src/conformance/client/sdk-driver.ts
Exit status: 0 when no case failed, 1 when one did (or was SKIPPED, with --fail-on-skip),
2 on a usage or setup error.
`;

/** A driver that runs through a TypeScript loader may take a while to start on a loaded machine. */
const DRIVER_START_TIMEOUT_MS = 20_000;

const ALL_CASES: readonly { id: string; title: string; rule: string }[] = [...SERVER_FAMILIES.flatMap((f) => f.cases), ...CLIENT_FAMILIES.flatMap((f) => f.cases)];

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

/** The option values the targets are built from, as parseArgs returns them. */
interface OptionValues {
  secret?: string;
  "token-command"?: string;
  "switch-off-url"?: string;
  "basic-plan-url"?: string;
  friends?: string;
  driver?: string;
  "max-wait"?: string;
  timeout?: string;
}

function serverTarget(url: string | undefined, values: OptionValues): ServerTarget {
  if (!url || !/^wss?:\/\//.test(url)) throw new ConformanceUsageError("conformance server needs a ws:// or wss:// URL");
  const { secret, "token-command": command } = values;
  if ((secret === undefined) === (command === undefined)) throw new ConformanceUsageError("give exactly one of --secret and --token-command");
  return {
    url,
    switchOffUrl: values["switch-off-url"],
    basicPlanUrl: values["basic-plan-url"],
    friends: parseFriends(values.friends),
    tokens: secret !== undefined ? hmacTokens(secret) : commandTokens(command!),
    maxWaitMs: parseDuration(values["max-wait"] ?? "30s", "--max-wait"),
    answerTimeoutMs: parseDuration(values.timeout ?? "5s", "--timeout"),
  };
}

function clientTarget(values: OptionValues): ClientTarget {
  if (!values.driver) throw new ConformanceUsageError("conformance client needs --driver CMD");
  return { driverCommand: values.driver, answerTimeoutMs: parseDuration(values.timeout ?? "5s", "--timeout"), startTimeoutMs: DRIVER_START_TIMEOUT_MS };
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
        driver: { type: "string" },
        "max-wait": { type: "string" },
        timeout: { type: "string" },
        case: { type: "string", multiple: true },
        json: { type: "string" },
        html: { type: "string" },
        "fail-on-skip": { type: "boolean", default: false },
        markdown: { type: "boolean", default: false },
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
      if (values.markdown) io.out(formatCatalogue([{ heading: "Server", families: SERVER_FAMILIES }, { heading: "Client", families: CLIENT_FAMILIES }]));
      else for (const c of ALL_CASES) io.out(formatCaseListing(c));
      return 0;
    }
    const only = values.case;
    const unmatched = only?.filter((id) => !ALL_CASES.some((c) => isSelected(c.id, [id])));
    if (unmatched?.length) throw new ConformanceUsageError(`no case matches --case ${unmatched.join(", ")}; see \`presence-wire conformance list\``);
    const onResult = (result: CaseResult) => io.out(`${formatCaseLine(result)}\n`);
    let report: ConformanceReport;
    if (subject === "server") {
      const target = serverTarget(url, values);
      io.out(`presence.v1 server conformance: ${target.url}\n`);
      report = await runServerConformance(target, SERVER_FAMILIES, { only, onResult });
    } else if (subject === "client") {
      if (url !== undefined) throw new ConformanceUsageError(`unexpected argument ${url}`);
      const target = clientTarget(values);
      io.out(`presence.v1 client conformance: ${target.driverCommand}\n`);
      report = await runClientConformance(target, CLIENT_FAMILIES, { only, onResult });
    } else {
      throw new ConformanceUsageError(`unknown subject ${subject}; use server, client or list`);
    }
    io.out(`${formatTotals(report)}\n`);
    writeReports(report, values.json, values.html, io);
    const failed = report.totals.FAIL > 0 || (values["fail-on-skip"] && report.totals.SKIPPED > 0);
    return failed ? 1 : 0;
  } catch (error) {
    if (error instanceof ConformanceUsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      io.err(`presence-wire conformance: ${error.message}\n\n${CONFORMANCE_USAGE}`);
      return 2;
    }
    // Setup errors (an unreachable server, a failing token command) and bad option values.
    if (error instanceof PresenceWireError) {
      io.err(`presence-wire conformance: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
