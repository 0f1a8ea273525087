// Runs server cases one after another against a target, each with fresh
// users, and turns each outcome into a PASS / FAIL / SKIPPED result with its
// evidence.
import { randomBytes } from "node:crypto";
import { announcedLimits, type LimitsConfig } from "../../protocol/limits.js";
import { ConformanceSetupError } from "../errors.js";
import { totalsOf, type CaseResult, type ConformanceReport } from "../report/model.js";
import { selectCases } from "../select.js";
import { formatSeconds, judge } from "../verdict.js";
import type { CaseFamily, Requirement, ServerCase } from "./case.js";
import { CaseContext } from "./context.js";
import { bodyOf } from "./expect.js";
import type { ServerTarget } from "./target.js";

export interface ServerRunOptions {
  /** Run only cases whose id equals or starts with one of these (e.g. "rate." or "login.token-expired"). */
  only?: readonly string[];
  /** Called after each case, e.g. to print progress. */
  onResult?: (result: CaseResult) => void;
}

/** Time a case may take beyond its announced waits before it counts as hung. */
const CASE_OVERHEAD_MS = 60_000;

export async function runServerConformance(target: ServerTarget, families: readonly CaseFamily[], options: ServerRunOptions = {}): Promise<ConformanceReport> {
  const startedAt = new Date();
  const runTag = `cf${randomBytes(3).toString("hex")}`;
  const limits = await probeLimits(target, runTag);
  const results: CaseResult[] = [];
  for (const [index, { family, spec }] of selectCases(families, options.only).entries()) {
    const result = await runCase(target, limits, family, spec, `${runTag}-${index}`);
    results.push(result);
    options.onResult?.(result);
  }
  return {
    subject: "server",
    target: target.url,
    protocol: "presence.v1",
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    settings: {
      switchOffUrl: target.switchOffUrl ?? null,
      basicPlanUrl: target.basicPlanUrl ?? null,
      friends: target.friends,
      tokens: target.tokens.description,
      maxWaitMs: target.maxWaitMs,
      answerTimeoutMs: target.answerTimeoutMs,
      announcedLimits: limits,
    },
    totals: totalsOf(results),
    results,
  };
}

/** Logs one user in to read the limits in force (protocol.md §3.2): every timed case takes its waits from them. */
async function probeLimits(target: ServerTarget, runTag: string): Promise<LimitsConfig> {
  const ctx = new CaseContext(target, announcedLimits(undefined), runTag);
  try {
    const { peer, login } = await ctx.login(ctx.user("probe"), { keepAlive: false });
    bodyOf(await ctx.request(peer, { $case: "logoutRequest", value: {} }), "logoutResponse", "logout of the probe user");
    return announcedLimits(login.limits);
  } catch (error) {
    const evidence = ctx.log.entries.map((e) => `  ${e.atMs} ms ${e.connection} ${e.direction}: ${e.summary}`).join("\n");
    throw new ConformanceSetupError(`cannot log in to ${target.url} to read its limits: ${String(error)}\n${evidence}`, { cause: error });
  } finally {
    ctx.dispose();
  }
}

async function runCase(target: ServerTarget, limits: LimitsConfig, family: string, spec: ServerCase, userPrefix: string): Promise<CaseResult> {
  const ctx = new CaseContext(target, limits, userPrefix);
  const base = { id: spec.id, family, title: spec.title, rule: spec.rule };
  const started = performance.now();
  const finish = (verdict: CaseResult["verdict"], reason?: string): CaseResult => ({
    ...base,
    verdict,
    ...(reason === undefined ? {} : { reason }),
    durationMs: Math.round(performance.now() - started),
    evidence: ctx.log.entries,
    evidenceOmitted: ctx.log.omitted,
  });

  const missing = spec.needs && missingRequirement(target, spec.needs);
  if (missing) return finish("SKIPPED", missing);
  const waitsMs = spec.waitsMs?.(limits) ?? 0;
  if (waitsMs > target.maxWaitMs) {
    return finish("SKIPPED", `waits about ${formatSeconds(waitsMs)} on the server's announced timers; over --max-wait ${formatSeconds(target.maxWaitMs)}`);
  }

  try {
    const script = async () => {
      await spec.run(ctx);
      ctx.expectNoViolations();
    };
    const { verdict, reason } = await judge(script, waitsMs + CASE_OVERHEAD_MS);
    return finish(verdict, reason);
  } finally {
    ctx.dispose();
  }
}

function missingRequirement(target: ServerTarget, need: Requirement): string | undefined {
  switch (need) {
    case "switchOffUrl":
      return target.switchOffUrl ? undefined : "needs --switch-off-url (the same server with the feature switch off)";
    case "basicPlanUrl":
      return target.basicPlanUrl ? undefined : "needs --basic-plan-url (the same server on the basic plan)";
    case "friends":
      return target.friends.length > 0 ? undefined : "needs --friends (a pair of users who are friends, with friend auto-notification on)";
    case "expiredToken":
      return target.tokens.expiredTokenFor("probe") !== undefined ? undefined : "needs --secret to mint an expired token (a --token-command only gives valid ones)";
  }
}
