// The schema of the application's settings (plan, switches, limits): one
// definition for the config file, the environment and the admin API, so all
// three accept and refuse the same values with the same messages.
import { z } from "zod";
import { SPEC_LIMITS, type LimitsConfig } from "../protocol/index.js";

export const LIMIT_NAMES = Object.keys(SPEC_LIMITS) as (keyof LimitsConfig)[];

/** Limits travel as uint32 in `Limits`; 0 would mean "not announced". */
export const limitValue = z.number().int().min(1).max(0xffffffff);

export const limitsSchema = z.strictObject(Object.fromEntries(LIMIT_NAMES.map((name) => [name, limitValue.optional()])) as Record<keyof LimitsConfig, z.ZodOptional<typeof limitValue>>);

export const planSchema = z.enum(["basic", "premium"]);

export const switchesShape = {
  plan: planSchema.optional(),
  featureEnabled: z.boolean().optional(),
  friendAutoNotify: z.boolean().optional(),
};

export const appSchema = z.strictObject({ ...switchesShape, limits: limitsSchema.optional() });

/** A settings value refused, with the dotted name of the field at fault. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** The first problem zod found, named by its field (an unknown key is named itself, with the keys allowed). */
export function firstProblem(error: z.ZodError, allowedKeys: (path: PropertyKey[]) => readonly string[] = () => []): FieldProblem {
  const issue = error.issues[0]!;
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeys(issue.path);
    const hint = allowed.length > 0 ? `; allowed: ${allowed.join(", ")}` : "";
    return { field: [...path, issue.keys[0]!].join("."), message: `unknown key${hint}` };
  }
  return { field: path.join("."), message: issue.message };
}

// The spec's own pair (120 s in 400 s): a derived interval keeps its proportion.
const INTERVAL_SHARE = SPEC_LIMITS.heartbeatIntervalMs / SPEC_LIMITS.heartbeatTimeoutMs;

/**
 * The heartbeat rule applied to a change of limits over `current`: a timeout
 * given without an interval brings an interval in the spec's proportion, and
 * an interval above a third of the timeout is refused (two pings may be lost
 * before the timeout). Returns the change to apply, or the problem.
 */
export function applyHeartbeatRule(change: Partial<LimitsConfig>, current: Readonly<LimitsConfig>): { limits: Partial<LimitsConfig> } | { problem: FieldProblem } {
  const limits = { ...change };
  if (change.heartbeatTimeoutMs !== undefined && change.heartbeatIntervalMs === undefined) {
    limits.heartbeatIntervalMs = Math.max(1, Math.floor(change.heartbeatTimeoutMs * INTERVAL_SHARE));
  }
  const interval = limits.heartbeatIntervalMs ?? current.heartbeatIntervalMs;
  const timeout = limits.heartbeatTimeoutMs ?? current.heartbeatTimeoutMs;
  if (interval * 3 > timeout) {
    const field = change.heartbeatIntervalMs !== undefined ? "heartbeatIntervalMs" : "heartbeatTimeoutMs";
    return { problem: { field, message: `the heartbeat interval (${interval} ms) must be at most a third of the timeout (${timeout} ms)` } };
  }
  return { limits };
}
