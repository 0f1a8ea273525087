// The shape of a conformance report: what the terminal table, the JSON file
// and the HTML page are all written from.

export type Verdict = "PASS" | "FAIL" | "SKIPPED";

/** One thing that happened during a case: a frame sent or received, a close, a wait. */
export interface EvidenceEntry {
  /** Milliseconds since the case started. */
  atMs: number;
  /** Which connection (or the kit itself) it concerns, e.g. "alice#1". */
  connection: string;
  direction: "sent" | "received" | "event";
  /** The frame as canonical proto3 JSON (shortened), or what happened. */
  summary: string;
}

export interface CaseResult {
  id: string;
  family: string;
  title: string;
  /** The spec text the case checks: a proto comment or a docs section. */
  rule: string;
  verdict: Verdict;
  /** Why it failed or was skipped. */
  reason?: string;
  durationMs: number;
  evidence: EvidenceEntry[];
  /** Entries left out to keep the report readable. */
  evidenceOmitted: number;
}

export interface ConformanceReport {
  /** What was checked: a server or a client. */
  subject: "server" | "client";
  /** The server's URL or the client's command. */
  target: string;
  protocol: "presence.v1";
  startedAt: string;
  durationMs: number;
  /** Settings the run used (limits announced by the server, --max-wait, ...). */
  settings: Record<string, unknown>;
  totals: Record<Verdict, number>;
  results: CaseResult[];
}

export function totalsOf(results: readonly CaseResult[]): Record<Verdict, number> {
  const totals: Record<Verdict, number> = { PASS: 0, FAIL: 0, SKIPPED: 0 };
  for (const result of results) totals[result.verdict]++;
  return totals;
}
