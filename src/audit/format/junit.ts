/** JUnit XML: a testsuite per document, a testcase per rule; a rule with active findings fails. */
import { isActive, type AuditReport } from '../types.js';
import { relativeFile } from './paths.js';

function esc(s: string): string {
  // XML 1.0 cannot carry most control characters at all, escaped or not: drop them.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function formatJunit(report: AuditReport, cwd: string): string {
  const titles = new Map(report.rules.map((r) => [r.id, r.title]));
  const suites = report.documents.map((d) => {
    const file = relativeFile(d.file, cwd);
    let failures = 0;
    const cases = d.rulesRun.map((id) => {
      const active = d.findings.filter((f) => f.ruleId === id && isActive(f));
      const head = `    <testcase classname="${esc(file)}" name="${esc(`${id} ${titles.get(id) ?? ''}`)}" file="${esc(file)}">`;
      if (active.length === 0) return `${head}</testcase>`;
      failures++;
      const body = active.map((f) => `${file}:${f.line ?? 0} ${f.pointer} ${f.message}\n  fix: ${f.fix}`).join('\n');
      return `${head}\n      <failure message="${esc(`${active.length} finding(s), severity ${active[0]?.severity ?? ''}`)}" type="${esc(id)}">${esc(body)}</failure>\n    </testcase>`;
    });
    return `  <testsuite name="${esc(file)}" tests="${cases.length}" failures="${failures}" errors="0">\n    <properties><property name="score" value="${d.score}"/></properties>\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gatehouse-audit">\n${suites.join('\n')}\n</testsuites>\n`;
}
