// The terminal view of a report: one line per case as it finishes, the
// reason under each FAIL and SKIPPED, totals at the end.
import type { CaseResult, ConformanceReport } from "./model.js";

const ID_WIDTH = 48;

/** The id in its column, always followed by at least one space. */
function idColumn(id: string): string {
  return `${id.padEnd(ID_WIDTH - 1)} `;
}

export function formatCaseLine(result: CaseResult): string {
  const id = idColumn(result.id);
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
  return `${idColumn(spec.id)}${spec.title}\n${" ".repeat(ID_WIDTH)}rule: ${spec.rule}\n`;
}
