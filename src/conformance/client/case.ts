// A client conformance case as data: what it checks, the rule it cites, and
// the scenario the scripted server plays.
import type { ClientCaseContext } from "./context.js";

export interface ClientCase {
  /** Stable id, "client.<name>". */
  id: string;
  title: string;
  /** The spec text it checks: a proto comment or a docs section. */
  rule: string;
  run(ctx: ClientCaseContext): Promise<void>;
}

export interface ClientCaseFamily {
  name: string;
  cases: readonly ClientCase[];
}
