/**
 * JUnit XML: a testsuite per document, a testcase per rule. A testcase fails only when its rule
 * fails the gate (an active finding at or above --fail-on); findings below the gate are listed in
 * the testcase's system-out, so CI shows them without turning them red. A `score` testcase fails
 * when --min-score does.
 */
import { isActive, severityRank, type AuditReport, type FailOn, type Finding } from '../types.js';
import { relativeFile } from './paths.js';

function esc(s: string): string {
  // XML 1.0 cannot carry most control characters at all, escaped or not: drop them.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface JunitGate {
  readonly failOn: FailOn;
  readonly minScore?: number | undefined;
}

export function formatJunit(report: AuditReport, cwd: string, gate: JunitGate = { failOn: 'low' }): string {
  const fails = (f: Finding): boolean => gate.failOn !== 'none' && isActive(f) && severityRank(f.severity) >= severityRank(gate.failOn);
  const line = (f: Finding): string => `${relativeFile(f.file, cwd)}:${f.line ?? 0} ${f.pointer} [${f.severity}] ${f.message}\n  fix: ${f.fix}`;
  const titles = new Map(report.rules.map((r) => [r.id, r.title]));
  const suites = report.documents.map((d) => {
    const file = relativeFile(d.file, cwd);
    let failures = 0;
    const cases = d.rulesRun.map((id) => {
      const mine = d.findings.filter((f) => f.ruleId === id && isActive(f));
      const failing = mine.filter(fails);
      const below = mine.filter((f) => !fails(f));
      const head = `    <testcase classname="${esc(file)}" name="${esc(`${id} ${titles.get(id) ?? ''}`)}" file="${esc(file)}">`;
      if (mine.length === 0) return `${head}</testcase>`;
      const parts: string[] = [];
      if (failing.length > 0) {
        failures++;
        parts.push(`      <failure message="${esc(`${failing.length} finding(s) at or above ${gate.failOn}, severity ${failing[0]?.severity ?? ''}`)}" type="${esc(id)}">${esc(failing.map(line).join('\n'))}</failure>`);
      }
      if (below.length > 0) parts.push(`      <system-out>${esc(`${below.length} finding(s) below the gate (--fail-on ${gate.failOn}):\n${below.map(line).join('\n')}`)}</system-out>`);
      return `${head}\n${parts.join('\n')}\n    </testcase>`;
    });
    if (gate.minScore !== undefined) {
      const head = `    <testcase classname="${esc(file)}" name="score at least ${gate.minScore}" file="${esc(file)}">`;
      if (d.score >= gate.minScore) cases.push(`${head}</testcase>`);
      else { failures++; cases.push(`${head}\n      <failure message="${esc(`score ${d.score} is below --min-score ${gate.minScore}`)}" type="min-score"/>\n    </testcase>`); }
    }
    return `  <testsuite name="${esc(file)}" tests="${cases.length}" failures="${failures}" errors="0">\n    <properties><property name="score" value="${d.score}"/></properties>\n${cases.join('\n')}\n  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gatehouse-audit">\n${suites.join('\n')}\n</testsuites>\n`;
}
