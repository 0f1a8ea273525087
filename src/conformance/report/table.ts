// The terminal view of a report: one line per case as it finishes, the
// reason under each FAIL and SKIPPED, totals at the end.
import type { CaseResult, ConformanceReport } from "./model.js";

const ID_WIDTH = 46;

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

export function formatCaseListing(spec: { id: string; title: string; rule: string }): string {
  return `${spec.id.padEnd(ID_WIDTH)}${spec.title}\n${" ".repeat(ID_WIDTH)}rule: ${spec.rule}\n`;
}
