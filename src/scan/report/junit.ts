/**
 * JUnit XML: one test suite per check, one test case per operation and rule; a finding fails its
 * case, a warning is a passing case with system-out. Covered operations without findings pass.
 */
import type { ScanReport } from '../types.js';

export function xmlEscape(s: string): string {
  // XML 1.0 cannot carry most control characters at all, escaped or not: drop them.
  return [...s].filter((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code === 9 || code === 10 || code === 13 || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || code >= 0x10000;
  }).join('')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function formatJunit(report: ScanReport): string {
  const suites = new Map<string, string[]>();
  let failures = 0;
  for (const f of report.findings) {
    const cases = suites.get(f.check) ?? [];
    const name = xmlEscape(`${f.ruleId} ${f.operation ?? ''}`.trim());
    if (f.kind === 'finding') {
      failures++;
      cases.push(`    <testcase classname="gatehouse.scan.${f.check}" name="${name}"><failure type="${f.severity}" message="${xmlEscape(f.title)}">${xmlEscape(`${f.evidence}\n${f.curl}`)}</failure></testcase>`);
    } else {
      cases.push(`    <testcase classname="gatehouse.scan.${f.check}" name="${name}"><system-out>${xmlEscape(`warning: ${f.evidence}`)}</system-out></testcase>`);
    }
    suites.set(f.check, cases);
  }
  const coverage = report.coverage.map((c) => `    <testcase classname="gatehouse.scan.coverage" name="${xmlEscape(`${c.method} ${c.path}`)}">${c.state === 'reached' ? '' : `<skipped message="${c.state}"/>`}</testcase>`);
  suites.set('coverage', coverage);
  const body = [...suites.entries()].map(([name, cases]) => {
    const fails = cases.filter((c) => c.includes('<failure')).length;
    const skipped = cases.filter((c) => c.includes('<skipped')).length;
    return `  <testsuite name="gatehouse scan: ${xmlEscape(name)}" tests="${cases.length}" failures="${fails}" skipped="${skipped}" errors="0">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const tests = [...suites.values()].reduce((n, c) => n + c.length, 0);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gatehouse scan" tests="${tests}" failures="${failures}" time="${(report.durationMs / 1000).toFixed(3)}">\n${body.join('\n')}\n</testsuites>\n`;
}
