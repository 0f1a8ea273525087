// A server conformance case as data: what it checks, the rule it cites, what
// it needs from the target, how long it waits on the server's timers, and the
// script that drives the server.
import type { LimitsConfig } from "../../protocol/limits.js";
import type { CaseContext } from "./context.js";

/** Something a case needs beyond a premium server with the feature switch on. */
export type Requirement =
  /** --switch-off-url */
  | "switchOffUrl"
  /** --basic-plan-url */
  | "basicPlanUrl"
  /** --friends */
  | "friends"
  /** a way to mint an expired token (--secret) */
  | "expiredToken";

export interface ServerCase {
  /** Stable id, "<family>.<name>", for filters and reports. */
  id: string;
  title: string;
  /** The spec text it checks: a proto comment or a docs section. */
  rule: string;
  needs?: Requirement;
  /** How long the case waits on the server's timers (heartbeat, retention...), from the announced limits. */
  waitsMs?: (limits: LimitsConfig) => number;
  run(ctx: CaseContext): Promise<void>;
}

export interface CaseFamily {
  name: string;
  cases: readonly ServerCase[];
}
