/** Public API of the spec audit (`gatehouse audit`, and `check-config`'s score warning). */
import { auditFile, type AuditOptions } from './engine.js';
import type { GatewayGuarantees } from './gateway-guarantees.js';
import { BUILTIN_RULES } from './rules/index.js';
import { isActive, severityRank, type AuditReport, type Rule, type Severity } from './types.js';

export { auditFile, auditLoaded, type AuditOptions } from './engine.js';
export { auditScoreForSpecs, loadGatewayGuarantees, type GatewayGuarantees, type SpecGuarantees } from './gateway-guarantees.js';
export { loadRulesFile, parseRules, type RulesConfig } from './rules-file.js';
export { BUILTIN_RULES } from './rules/index.js';
export { formatJson } from './format/json.js';
export { formatSarif } from './format/sarif.js';
export { formatJunit } from './format/junit.js';
export { formatText } from './format/text.js';
export * from './types.js';

export interface AuditRunOptions {
  readonly custom?: readonly Rule[];
  readonly overrides?: Readonly<Record<string, Severity | 'off'>>;
  readonly gateway?: GatewayGuarantees;
}

/** Audits each file in turn (one document in memory at a time: some specs are tens of MB). */
export async function auditFiles(files: readonly string[], opts: AuditRunOptions = {}): Promise<AuditReport> {
  const rules = [...BUILTIN_RULES, ...(opts.custom ?? [])];
  const documents = [];
  for (const file of files) {
    const o: AuditOptions = { rules, ...(opts.overrides ? { overrides: opts.overrides } : {}), guarantees: opts.gateway?.forSpec(file) };
    documents.push(await auditFile(file, o));
  }
  return { documents, rules: rules.map(({ id, title, severity, owasp, description, fix }) => ({ id, title, severity, owasp, description, fix })) };
}

/** The gate: 1 when an active finding is at/above `failOn` or a document scores below `minScore`. */
export function gateExitCode(report: AuditReport, failOn: Severity, minScore: number | undefined): 0 | 1 {
  for (const d of report.documents) {
    if (minScore !== undefined && d.score < minScore) return 1;
    if (d.findings.some((f) => isActive(f) && severityRank(f.severity) >= severityRank(failOn))) return 1;
  }
  return 0;
}
