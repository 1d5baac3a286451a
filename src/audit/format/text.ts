/** Human output: per document, the score, the category scores, then findings grouped by severity. */
import { OWASP_CATEGORIES, SEVERITIES, type AuditReport, type OwaspCategory } from '../types.js';
import { relativeFile } from './paths.js';

export function formatText(report: AuditReport, cwd: string, color: boolean): string {
  const c = (code: string, s: string): string => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sevColor = { critical: '1;31', high: '31', medium: '33', low: '36' } as const;
  const lines: string[] = [];
  for (const d of report.documents) {
    const file = relativeFile(d.file, cwd);
    lines.push(c('1', `${file}`) + (d.title ? `  ${d.title} (OpenAPI ${d.version}, ${d.operations} operations)` : ''));
    lines.push(`  score ${c(d.score >= 80 ? '32' : d.score >= 50 ? '33' : '31', String(d.score))}/100`);
    const cats = (Object.keys(d.categoryScores) as OwaspCategory[]).filter((k) => (d.categoryScores[k] ?? 100) < 100);
    for (const k of cats) lines.push(`    ${k} ${OWASP_CATEGORIES[k]}: ${d.categoryScores[k] ?? 100}`);
    for (const sev of [...SEVERITIES].reverse()) {
      const group = d.findings.filter((f) => f.severity === sev && f.suppressed === undefined);
      if (group.length === 0) continue;
      lines.push(`  ${c(sevColor[sev], sev.toUpperCase())} (${group.length})`);
      for (const f of group) {
        const mit = f.mitigatedByGateway === undefined ? '' : c('32', ` [mitigated by the gateway: ${f.mitigatedByGateway}]`);
        const sure = f.confidence === 'high' ? '' : ` (confidence ${f.confidence})`;
        lines.push(`    ${relativeFile(f.file, cwd)}:${f.line ?? '-'}  ${f.ruleId} ${f.owasp}  ${f.message}${sure}${mit}`);
        lines.push(`      at ${f.pointer || '/'}; fix: ${f.fix}`);
      }
    }
    const sup = d.findings.filter((f) => f.suppressed !== undefined);
    if (sup.length > 0) {
      lines.push(`  SUPPRESSED (${sup.length})`);
      for (const f of sup) lines.push(`    ${relativeFile(f.file, cwd)}:${f.line ?? '-'}  ${f.ruleId}  ${f.message}  — reason: ${f.suppressed ?? ''}`);
    }
    if (d.findings.length === 0) lines.push('  no findings');
    lines.push('');
  }
  return lines.join('\n');
}
