import type { Finding, ScanReport } from '../types.js';

const COLORS: Record<string, string> = { critical: '\x1b[35m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' };

function line(f: Finding, color: boolean): string {
  const sev = f.kind === 'warning' ? 'warning' : f.severity;
  const tag = color ? `${COLORS[f.severity] ?? ''}${sev.toUpperCase()}\x1b[0m` : sev.toUpperCase();
  const times = f.occurrences > 1 ? ` (x${f.occurrences})` : '';
  return [
    `${tag} ${f.title}${times}  [${f.ruleId}${f.owasp === undefined ? '' : `, ${f.owasp.split(' ')[0]}`}]`,
    `  operation: ${f.operation ?? '(none)'}`,
    `  evidence:  ${f.evidence}`,
    `  reproduce: ${f.curl.length > 600 ? `${f.curl.slice(0, 600)}…` : f.curl}`,
  ].join('\n');
}

export function formatText(report: ScanReport, color = false): string {
  const findings = report.findings.filter((f) => f.kind === 'finding');
  const warnings = report.findings.filter((f) => f.kind === 'warning');
  const out: string[] = [`gatehouse scan of ${report.target} (spec ${report.spec}, seed ${report.seed})`, ''];
  for (const f of findings) out.push(line(f, color), '');
  if (warnings.length > 0) {
    out.push(`Warnings (the spec does not say this is wrong):`, '');
    for (const f of warnings) out.push(line(f, color), '');
  }
  const states = { reached: 0, refused: 0, rejected: 0, failed: 0, 'not-reached': 0 };
  for (const c of report.coverage) states[c.state]++;
  const total = report.coverage.length;
  out.push('Coverage per operation:');
  for (const c of report.coverage) {
    const statuses = Object.entries(c.statuses).map(([s, n]) => `${s}x${n}`).join(' ');
    out.push(`  ${c.state.padEnd(11)} ${`${c.method} ${c.path}`.padEnd(48)} ${c.requests} req ${statuses}`);
  }
  const pct = total === 0 ? 0 : Math.round((states.reached / total) * 100);
  out.push(`  ${states.reached}/${total} operations reached with a 2xx (${pct}%), ${states.refused} only refused (401/403), ${states.rejected} only rejected (4xx), ${states.failed} failed, ${states['not-reached']} not reached`);
  for (const n of report.notes) out.push(`note: ${n}`);
  const bySev = (s: string): number => findings.filter((f) => f.severity === s).length;
  out.push('', `${findings.length} finding(s) (critical ${bySev('critical')}, high ${bySev('high')}, medium ${bySev('medium')}, low ${bySev('low')}), ${warnings.length} warning(s); ${report.requests} requests in ${(report.durationMs / 1000).toFixed(1)} s${report.truncated ? ' (budget spent: incomplete)' : ''}`, '');
  return out.join('\n');
}
