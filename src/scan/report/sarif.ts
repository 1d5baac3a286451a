/**
 * SARIF 2.1.0 for code-scanning UIs. Findings are located at the spec file (the operation's
 * pointer is in the message and properties): a dynamic finding has no source line of its own.
 */
import { relative } from 'node:path';
import type { Finding, ScanReport, Severity } from '../types.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
const SCORE: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export function formatSarif(report: ScanReport, cwd = process.cwd()): string {
  const rules = new Map<string, Finding>();
  for (const f of report.findings) if (!rules.has(f.ruleId)) rules.set(f.ruleId, f);
  const ruleIds = [...rules.keys()];
  const uri = relative(cwd, report.spec).split('\\').join('/');
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'gatehouse-scan', version: report.tool.version, informationUri: 'https://gatehouse.dev/docs/scan.md',
          rules: ruleIds.map((id) => {
            const f = rules.get(id) as Finding;
            return {
              id, name: id.replace(/[.-](\w)/g, (_m, c: string) => c.toUpperCase()), shortDescription: { text: f.title },
              defaultConfiguration: { level: LEVEL[f.severity] },
              properties: { tags: ['security', f.check, ...(f.owasp === undefined ? [] : [f.owasp])], 'security-severity': SCORE[f.severity] },
            };
          }),
        },
      },
      automationDetails: { id: `gatehouse-scan/${report.target}` },
      results: report.findings.map((f) => ({
        ruleId: f.ruleId, ruleIndex: ruleIds.indexOf(f.ruleId), level: f.kind === 'warning' ? 'note' : LEVEL[f.severity],
        message: { text: `${f.title}: ${f.evidence}${f.operation === undefined ? '' : ` (operation ${f.operation})`}\nReproduce: ${f.curl}` },
        locations: [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } } }],
        partialFingerprints: { 'gatehouseScan/v1': `${f.ruleId}:${f.operation ?? ''}` },
        properties: { kind: f.kind, severity: f.severity, owasp: f.owasp, operation: f.operation, status: f.status, curl: f.curl, occurrences: f.occurrences },
      })),
      invocations: [{ executionSuccessful: true, properties: { target: report.target, seed: report.seed, requests: report.requests, truncated: report.truncated } }],
    }],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
