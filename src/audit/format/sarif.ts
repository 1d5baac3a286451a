/**
 * SARIF 2.1.0 (OASIS): one run, the rules as `tool.driver.rules`, each finding a result with a
 * physical location (file relative to the working directory, 1-based start line) so code-scanning
 * UIs annotate the line. Suppressed findings carry `suppressions` (kind inSource, the reason).
 */
import path from 'node:path';
import type { AuditReport, Finding, Severity } from '../types.js';
import { relativeFile } from './paths.js';

export const DOCS_BASE = 'https://gatehouse.dev/docs/audit-rules.md';

const LEVEL: Record<Severity, 'note' | 'warning' | 'error'> = { low: 'note', medium: 'warning', high: 'error', critical: 'error' };
/** GitHub code scanning reads `security-severity` (0–10) to rank security alerts. */
const SECURITY_SEVERITY: Record<Severity, string> = { low: '3.0', medium: '5.5', high: '8.0', critical: '9.5' };

export function formatSarif(report: AuditReport, cwd: string): string {
  const index = new Map(report.rules.map((r, i) => [r.id, i]));
  const result = (f: Finding, documentFile: string): Record<string, unknown> => {
    const region = f.line === undefined ? {} : { region: { startLine: f.line } };
    const out: Record<string, unknown> = {
      ruleId: f.ruleId, ruleIndex: index.get(f.ruleId) ?? -1, level: f.mitigatedByGateway === undefined ? LEVEL[f.severity] : 'note',
      message: { text: `${f.message}. Fix: ${f.fix}` },
      locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(relativeFile(f.file, cwd)) }, ...region }, logicalLocations: [{ fullyQualifiedName: f.pointer || '/', kind: 'object' }] }],
      // A finding in a file the document references names that file, so equal pointers in two files stay apart.
      partialFingerprints: { 'gatehouse/v1': `${f.ruleId}:${f.file === documentFile ? '' : `${relativeFile(f.file, path.dirname(documentFile))}#`}${f.pointer}` },
      properties: { severity: f.severity, owasp: f.owasp, pointer: f.pointer, confidence: f.confidence, ...(f.mitigatedByGateway === undefined ? {} : { mitigatedByGateway: f.mitigatedByGateway }) },
    };
    if (f.suppressed !== undefined) out.suppressions = [{ kind: 'inSource', justification: f.suppressed }];
    return out;
  };
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'gatehouse-audit', informationUri: DOCS_BASE, version: '0.1.0',
          rules: report.rules.map((r) => ({
            id: r.id, name: r.id.replaceAll('-', ''), shortDescription: { text: r.title }, fullDescription: { text: r.description },
            help: { text: `${r.description} Fix: ${r.fix}` }, helpUri: `${DOCS_BASE}#${r.id.toLowerCase()}`,
            defaultConfiguration: { level: LEVEL[r.severity] },
            properties: { tags: ['security', r.owasp], 'security-severity': SECURITY_SEVERITY[r.severity] },
          })),
        },
      },
      results: report.documents.flatMap((d) => d.findings.map((f) => result(f, d.file))),
      properties: { scores: report.documents.map((d) => ({ file: relativeFile(d.file, cwd), score: d.score })) },
    }],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
