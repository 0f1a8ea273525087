// The golden trace format: a scenario as lines of events on a simulated clock,
// each followed by the exact effects expected from it, rendered canonically.
//
//   # comment
//   config: plan=premium feature=on friends=off heartbeatTimeoutMs=60000
//   users: bob carol               (ids the directory knows beforehand)
//   friends: alice-bob carol-bob   (symmetric friendships)
//
//   @0 connect c1                  (transport connection opened)
//   @0 c1> #1 login alice device=phone platform=IOS
//     c1< #1 LoginResponse device=phone time=@0 limits=spec self={alice ONLINE [phone:IOS] v1 LOGIN @0}
//                                  (then friends=[...] when the login answer carries friends' statuses)
//   @1_000 c1> #2 subscribe u{1..100}
//   @5_000 drop c1                 (FIN/RST seen by the transport)
//   @405_000 wait                  (only time passes; due timers fire)
//   @6_000 switch feature=off      (plan=basic|premium feature=on|off friends=on|off)
//     close c1 HEARTBEAT_TIMEOUT
//
// Requests: login <user> [device=] [platform=], logout, ping [clientTimeMs],
// set "<JSON string>", get|subscribe|unsubscribe <ids...>, empty (no body).
// `u{1..3}` stands for u1 u2 u3, in requests and in rendered lists (runs of 3
// or more consecutive ids whose entries are otherwise identical). Before an
// event the clock advances to its time, firing due timers; their effects are
// expected under that event. Error messages are not rendered (they are for logs).
import { ErrorCode, type UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { Limits } from "../../generated/ts-proto/presence/v1/session.js";
import { Platform, StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { AppConfigInput, AppSwitches, EngineEffect } from "../../src/engine/index.js";
import { SPEC_LIMITS, type LimitsConfig } from "../../src/protocol/index.js";
import type { Body } from "./harness.js";

export type TraceEvent =
  | { kind: "connect" | "drop"; connectionId: string }
  | { kind: "wait" }
  | { kind: "switch"; changes: Partial<AppSwitches> }
  | { kind: "frame"; connectionId: string; frame: Frame };

export interface TraceStep {
  atMs: number;
  event: TraceEvent;
  /** The line as written, for failure messages. */
  source: string;
  lineNumber: number;
  expected: string[];
}

export interface Trace {
  config: AppConfigInput;
  users: string[];
  friendships: [string, string][];
  steps: TraceStep[];
}

export class TraceSyntaxError extends Error {}

// ---- Parsing -------------------------------------------------------------

export function parseTrace(text: string): Trace {
  const trace: Trace = { config: {}, users: [], friendships: [], steps: [] };
  text.split("\n").forEach((raw, index) => {
    const lineNumber = index + 1;
    const line = raw.replace(/\s+$/, "");
    if (line.trim() === "" || line.trim().startsWith("#")) return;
    const fail = (why: string) => new TraceSyntaxError(`line ${lineNumber}: ${why}: ${line}`);
    if (/^\s/.test(line)) {
      const step = trace.steps.at(-1);
      if (!step) throw fail("expected effect before any event");
      step.expected.push(line.trim());
      return;
    }
    const header = /^(config|users|friends):\s*(.*)$/.exec(line);
    if (header) return parseHeader(trace, header[1] ?? "", header[2] ?? "", fail);
    const event = /^@([\d_]+)\s+(.*)$/.exec(line);
    if (!event) throw fail("expected '@<ms> <event>'");
    const atMs = Number((event[1] ?? "").replaceAll("_", ""));
    trace.steps.push({ atMs, event: parseEvent(event[2] ?? "", fail), source: line, lineNumber, expected: [] });
  });
  return trace;
}

function parseHeader(trace: Trace, key: string, value: string, fail: (why: string) => Error): void {
  const words = value.split(/\s+/).filter(Boolean);
  if (key === "users") trace.users.push(...words.flatMap(expandIds));
  else if (key === "friends") {
    for (const pair of words) {
      const [a, b] = pair.split("-");
      if (!a || !b) throw fail(`bad friendship ${pair}`);
      trace.friendships.push([a, b]);
    }
  } else {
    const limits: Partial<LimitsConfig> = {};
    const switches = parseSwitches(words.filter((w) => !isLimit(w)), fail);
    for (const word of words.filter(isLimit)) {
      const [name, number] = word.split("=") as [keyof LimitsConfig, string];
      limits[name] = Number(number.replaceAll("_", ""));
    }
    trace.config = { ...switches, limits };
  }
}

function isLimit(word: string): boolean {
  return (word.split("=")[0] ?? "") in SPEC_LIMITS;
}

function parseSwitches(words: string[], fail: (why: string) => Error): Partial<AppSwitches> {
  const changes: Partial<AppSwitches> = {};
  for (const word of words) {
    const [key, value] = word.split("=");
    if (key === "plan" && (value === "basic" || value === "premium")) changes.plan = value;
    else if (key === "feature" && (value === "on" || value === "off")) changes.featureEnabled = value === "on";
    else if (key === "friends" && (value === "on" || value === "off")) changes.friendAutoNotify = value === "on";
    else throw fail(`bad setting ${word}`);
  }
  return changes;
}

function parseEvent(text: string, fail: (why: string) => Error): TraceEvent {
  const words = text.split(/\s+/);
  const [first = "", second = "", third = "", ...rest] = words;
  if (first === "connect" || first === "drop") return { kind: first, connectionId: second };
  if (first === "wait") return { kind: "wait" };
  if (first === "switch") return { kind: "switch", changes: parseSwitches(words.slice(1), fail) };
  const request = /^(\S+)>$/.exec(first);
  const id = /^#(\d+)$/.exec(second);
  if (!request?.[1] || !id?.[1]) throw fail("expected '<connection>> #<request id> <request>'");
  const body = parseRequest(third, rest, text, fail);
  return { kind: "frame", connectionId: request[1], frame: { requestId: Number(id[1]), body } };
}

function parseRequest(op: string, args: string[], text: string, fail: (why: string) => Error): Body | undefined {
  const options = Object.fromEntries(args.filter((a) => a.includes("=")).map((a) => a.split("=") as [string, string]));
  switch (op) {
    case "login": {
      const platform = Platform[`PLATFORM_${options.platform ?? "UNSPECIFIED"}` as keyof typeof Platform];
      if (platform === undefined) throw fail(`unknown platform ${options.platform}`);
      return {
        $case: "loginRequest",
        value: { userId: args[0] ?? "", token: options.token ?? "token", platform, deviceId: options.device ?? "", clientVersion: "trace/1" },
      };
    }
    case "logout":
      return { $case: "logoutRequest", value: {} };
    case "ping":
      return { $case: "ping", value: { clientTimeMs: BigInt(args[0] ?? 0) } };
    case "set":
      return { $case: "setSelfStatusRequest", value: { customStatus: JSON.parse(text.slice(text.indexOf("set ") + 4)) as string } };
    case "get":
      return { $case: "getUserStatusRequest", value: { userIds: args.flatMap(expandIds) } };
    case "subscribe":
      return { $case: "subscribeUserStatusRequest", value: { userIds: args.flatMap(expandIds) } };
    case "unsubscribe":
      return { $case: "unsubscribeUserStatusRequest", value: { userIds: args.flatMap(expandIds) } };
    case "empty":
      return undefined;
    default:
      throw fail(`unknown request ${op}`);
  }
}

/** `u{1..3}` → u1 u2 u3; anything else stands for itself. */
export function expandIds(word: string): string[] {
  const range = /^(.*)\{(\d+)\.\.(\d+)\}$/.exec(word);
  if (!range) return [word];
  const [, prefix = "", from = "0", to = "0"] = range;
  return Array.from({ length: Number(to) - Number(from) + 1 }, (_, i) => `${prefix}${Number(from) + i}`);
}

// ---- Rendering -----------------------------------------------------------

export function renderEffect(effect: EngineEffect): string {
  if (effect.type === "close") return `close ${effect.connectionId} ${codeName(effect.code)}`;
  return `${effect.connectionId}< #${effect.frame.requestId} ${renderBody(effect.frame.body)}`;
}

function renderBody(body: Frame["body"]): string {
  if (!body) return "(no body)";
  switch (body.$case) {
    case "loginResponse": {
      const { deviceId, serverTimeMs, limits, selfStatus, friendStatuses } = body.value;
      const friends = friendStatuses.length ? ` friends=${renderStatuses(friendStatuses)}` : "";
      return `LoginResponse device=${deviceId} time=${renderTime(serverTimeMs)} limits=${renderLimits(limits)} self=${renderStatus(selfStatus)}${friends}`;
    }
    case "pong":
      return `Pong client=${body.value.clientTimeMs} server=${renderTime(body.value.serverTimeMs)}`;
    case "error":
      return `Error ${codeName(body.value.code)}${body.value.retryAfterMs ? ` retry_after=${body.value.retryAfterMs}` : ""}`;
    case "logoutResponse":
      return "LogoutResponse";
    case "setSelfStatusResponse":
      return `SetSelfStatusResponse ${renderStatus(body.value.status)}`;
    case "getUserStatusResponse":
      return `GetUserStatusResponse ${renderStatuses(body.value.statuses)}${renderErrors(body.value.errors)}`;
    case "subscribeUserStatusResponse": {
      const { statuses, evictedUserIds, errors } = body.value;
      const evicted = evictedUserIds.length ? ` evicted=${renderList(evictedUserIds.map((id) => ({ id, rest: "" })))}` : "";
      return `SubscribeResponse ${renderStatuses(statuses)}${evicted}${renderErrors(errors)}`;
    }
    case "unsubscribeUserStatusResponse":
      return `UnsubscribeResponse removed=${renderList(body.value.removedUserIds.map((id) => ({ id, rest: "" })))}`;
    case "userStatusChanged":
      return `Notify ${renderStatuses(body.value.statuses)}`;
    default:
      return `${body.$case} (a request kind, never sent by a server)`;
  }
}

function codeName(code: ErrorCode): string {
  return (ErrorCode[code] ?? String(code)).replace(/^ERROR_CODE_/, "");
}

function renderTime(ms: bigint): string {
  return `@${ms.toString().replace(/\B(?=(\d{3})+$)/g, "_")}`;
}

function renderLimits(limits: Limits | undefined): string {
  if (!limits) return "none";
  const overrides = (Object.keys(SPEC_LIMITS) as (keyof LimitsConfig)[])
    .filter((key) => limits[key] !== SPEC_LIMITS[key])
    .map((key) => `${key}=${limits[key]}`);
  return ["spec", ...overrides].join("+");
}

/** A status with its user id left out, so runs of users can be folded. */
function statusRest(status: UserStatus): string {
  const parts = [(UserStatusType[status.statusType] ?? String(status.statusType)).replace(/^USER_STATUS_TYPE_/, "")];
  if (status.customStatus) parts.push(JSON.stringify(status.customStatus));
  if (status.onlineDevices.length) {
    parts.push(`[${status.onlineDevices.map((d) => `${d.deviceId}:${(Platform[d.platform] ?? d.platform).toString().replace(/^PLATFORM_/, "")}`).join(",")}]`);
  }
  parts.push(`v${status.version}`);
  if (status.version !== 0n || status.reason !== StatusChangeReason.STATUS_CHANGE_REASON_UNSPECIFIED || status.changedAtMs !== 0n) {
    parts.push((StatusChangeReason[status.reason] ?? String(status.reason)).replace(/^STATUS_CHANGE_REASON_/, ""), renderTime(status.changedAtMs));
  }
  return parts.join(" ");
}

function renderStatus(status: UserStatus | undefined): string {
  return status ? `{${status.userId} ${statusRest(status)}}` : "none";
}

function renderStatuses(statuses: readonly UserStatus[]): string {
  return renderList(statuses.map((s) => ({ id: s.userId, rest: ` ${statusRest(s)}` })), true);
}

function renderErrors(errors: readonly UserError[]): string {
  return errors.length ? ` errors=${renderList(errors.map((e) => ({ id: e.userId, rest: `:${codeName(e.code)}` })))}` : "";
}

/** Renders items, folding runs of 3+ consecutive numbered ids with the same rest into `prefix{a..b}`. */
function renderList(items: readonly { id: string; rest: string }[], braced = false): string {
  const out: string[] = [];
  for (let i = 0; i < items.length; ) {
    let end = i + 1;
    while (end < items.length && continuesRun(items[end - 1], items[end])) end++;
    const first = items[i];
    const last = items[end - 1];
    if (!first || !last) break;
    const id = end - i >= 3 ? `${numbered(first.id)?.prefix}{${numbered(first.id)?.n}..${numbered(last.id)?.n}}` : undefined;
    const group = id ? [{ id, rest: first.rest }] : items.slice(i, end);
    out.push(...group.map((item) => (braced ? `{${item.id}${item.rest}}` : `${item.id}${item.rest}`)));
    i = end;
  }
  return `[${out.join(", ")}]`;
}

function numbered(id: string): { prefix: string; n: number } | undefined {
  const match = /^(.*?)([1-9]\d*|0)$/.exec(id);
  return match ? { prefix: match[1] ?? "", n: Number(match[2]) } : undefined;
}

function continuesRun(previous: { id: string; rest: string } | undefined, next: { id: string; rest: string } | undefined): boolean {
  if (!previous || !next || previous.rest !== next.rest) return false;
  const a = numbered(previous.id);
  const b = numbered(next.id);
  return !!a && !!b && a.prefix === b.prefix && b.n === a.n + 1;
}
