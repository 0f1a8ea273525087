// A self-contained HTML page of a report (no scripts, no external files): a
// summary table, then each case with its rule, reason and evidence.
import type { CaseResult, ConformanceReport, Verdict } from "./model.js";

const COLORS: Record<Verdict, string> = { PASS: "#1a7f37", FAIL: "#cf222e", SKIPPED: "#9a6700" };

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;vertical-align:top;border-bottom:1px solid #d0d7de}
.v{font-weight:600}code,pre{font:12px ui-monospace,monospace}pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f6f8fa;padding:8px;margin:4px 0}
details{margin:6px 0}summary{cursor:pointer}`;

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function verdict(v: Verdict): string {
  return `<span class="v" style="color:${COLORS[v]}">${v}</span>`;
}

function caseSection(result: CaseResult): string {
  const evidence = result.evidence.map((e) => `${String(e.atMs).padStart(6)} ms  ${e.connection.padEnd(14)} ${e.direction.padEnd(8)} ${e.summary}`).join("\n");
  const omitted = result.evidenceOmitted > 0 ? `\n… ${result.evidenceOmitted} more entries left out` : "";
  return `<details id="${escape(result.id)}"${result.verdict === "FAIL" ? " open" : ""}><summary>${verdict(result.verdict)} <code>${escape(result.id)}</code> ${escape(result.title)}</summary>
<p>Rule: ${escape(result.rule)}<br>Time: ${result.durationMs} ms${result.reason ? `<br>Reason: ${escape(result.reason)}` : ""}</p>
<pre>${escape(evidence + omitted) || "no evidence recorded"}</pre></details>`;
}

export function renderHtml(report: ConformanceReport): string {
  const rows = report.results
    .map((r) => `<tr><td><a href="#${escape(r.id)}"><code>${escape(r.id)}</code></a></td><td>${verdict(r.verdict)}</td><td>${r.durationMs} ms</td><td>${escape(r.title)}${r.reason ? `<br><small>${escape(r.reason)}</small>` : ""}</td></tr>`)
    .join("\n");
  const { PASS, FAIL, SKIPPED } = report.totals;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>presence.v1 ${report.subject} conformance: ${escape(report.target)}</title><style>${STYLE}</style></head>
<body><h1>presence.v1 ${report.subject} conformance</h1>
<p>Target: <code>${escape(report.target)}</code><br>Started: ${escape(report.startedAt)}, ${(report.durationMs / 1000).toFixed(1)} s<br>
${verdict("PASS")} ${PASS} &nbsp; ${verdict("FAIL")} ${FAIL} &nbsp; ${verdict("SKIPPED")} ${SKIPPED}</p>
<table><tr><th>case</th><th>verdict</th><th>time</th><th>checks</th></tr>
${rows}</table>
<h2>Settings</h2><pre>${escape(JSON.stringify(report.settings, null, 2))}</pre>
<h2>Cases</h2>
${report.results.map(caseSection).join("\n")}
</body></html>
`;
}
