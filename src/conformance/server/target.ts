// What the kit knows of the server under test: its URLs, how to get tokens,
// the limits it announced at login, and the run's bounds.
import type { Limits } from "../../../generated/ts-proto/presence/v1/session.js";
import { SPEC_LIMITS, type LimitsConfig } from "../../protocol/limits.js";
import type { TokenSource } from "./tokens.js";

export interface ServerTarget {
  /** A server with the premium plan and the feature switch on. */
  url: string;
  /** The same server configured with the feature switch off. */
  switchOffUrl?: string;
  /** The same server configured on the basic plan. */
  basicPlanUrl?: string;
  /** Pairs of users the server at `url` has as friends, with friend auto-notification on. */
  friends: [string, string][];
  tokens: TokenSource;
  /** Cases that would wait on the server's timers longer than this are SKIPPED. */
  maxWaitMs: number;
  /** How long the kit waits for an answer, a push or a close it expects. */
  answerTimeoutMs: number;
}

/** The limits a LoginResponse announced; a field left out (0 on the wire) takes its spec default (session.proto, Limits). */
export function announcedLimits(limits: Limits | undefined): LimitsConfig {
  const resolved: LimitsConfig = { ...SPEC_LIMITS };
  if (!limits) return resolved;
  for (const key of Object.keys(SPEC_LIMITS) as (keyof LimitsConfig)[]) {
    const value = limits[key];
    if (typeof value === "number" && value > 0) resolved[key] = value;
  }
  return resolved;
}
