/** A self-contained HTML page (no script, no external resource) for people. */
import type { ScanReport } from '../types.js';
import { xmlEscape as esc } from './junit.js';

export function formatHtml(report: ScanReport): string {
  const rows = report.findings.map((f) => `<tr class="${f.kind === 'warning' ? 'warning' : f.severity}"><td>${f.kind === 'warning' ? 'warning' : esc(f.severity)}</td><td>${esc(f.title)}<br><code>${esc(f.ruleId)}</code></td><td>${esc(f.owasp ?? '')}</td><td>${esc(f.operation ?? '')}</td><td>${esc(f.evidence)}<details><summary>curl</summary><pre>${esc(f.curl)}</pre></details></td></tr>`).join('\n');
  const cov = report.coverage.map((c) => `<tr class="${c.state}"><td>${esc(c.method)} ${esc(c.path)}</td><td>${c.state}</td><td>${c.requests}</td><td>${esc(Object.entries(c.statuses).map(([s, n]) => `${s}x${n}`).join(' '))}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gatehouse scan: ${esc(report.target)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}
.critical td:first-child{background:#d0a}.high td:first-child{background:#e55}.medium td:first-child{background:#fb3}.low td:first-child{background:#8cf}.warning td:first-child{background:#eee}
.reached td:nth-child(2){color:#070}.not-reached td:nth-child(2),.failed td:nth-child(2){color:#c00}pre{white-space:pre-wrap;word-break:break-all}</style></head>
<body><h1>gatehouse scan</h1>
<p>Target <code>${esc(report.target)}</code>, spec <code>${esc(report.spec)}</code>, seed ${report.seed}, ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s${report.truncated ? ' — <strong>budget spent, incomplete</strong>' : ''}.</p>
<h2>Findings (${report.findings.filter((f) => f.kind === 'finding').length}) and warnings (${report.findings.filter((f) => f.kind === 'warning').length})</h2>
<table><tr><th>severity</th><th>finding</th><th>OWASP</th><th>operation</th><th>evidence</th></tr>
${rows}
</table>
<h2>Coverage</h2>
<table><tr><th>operation</th><th>state</th><th>requests</th><th>statuses</th></tr>
${cov}
</table>
${report.notes.length > 0 ? `<h2>Notes</h2><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}
