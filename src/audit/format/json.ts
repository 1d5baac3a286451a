import type { AuditReport } from '../types.js';
import { relativeFile } from './paths.js';

export const JSON_REPORT_VERSION = 1;

/** Machine-readable report: one entry per document with its score, category scores and findings. */
export function formatJson(report: AuditReport, cwd: string): string {
  return JSON.stringify({
    tool: 'gatehouse-audit', reportVersion: JSON_REPORT_VERSION,
    documents: report.documents.map((d) => ({
      file: relativeFile(d.file, cwd), title: d.title, openapi: d.version, operations: d.operations, score: d.score, categories: d.categoryScores,
      findings: d.findings.filter((f) => f.suppressed === undefined).map((f) => ({ ...f, file: relativeFile(f.file, cwd) })),
      suppressed: d.findings.filter((f) => f.suppressed !== undefined).map((f) => ({ ...f, file: relativeFile(f.file, cwd) })),
    })),
  }, null, 2) + '\n';
}
