// The terminal view of a report: one line per case as it finishes, the
// reason under each FAIL and SKIPPED, totals at the end.
import type { CaseResult, ConformanceReport } from "./model.js";

const ID_WIDTH = 40;

export function formatCaseLine(result: CaseResult): string {
  const id = result.id.padEnd(ID_WIDTH);
  const verdict = result.verdict.padEnd(8);
  const time = `${result.durationMs} ms`.padStart(9);
  const reason = result.reason ? `\n${" ".repeat(ID_WIDTH + 2)}${result.reason}` : "";
  return `  ${id}${verdict}${time}  ${result.title}${reason}`;
}

export function formatTotals(report: ConformanceReport): string {
  const { PASS, FAIL, SKIPPED } = report.totals;
  return `${PASS} passed, ${FAIL} failed, ${SKIPPED} skipped in ${(report.durationMs / 1000).toFixed(1)} s`;
}
