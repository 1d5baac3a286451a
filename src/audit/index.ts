/** Public API of the spec audit (`gatehouse audit`, and `check-config`'s score warning). */
import { auditFile, type AuditOptions } from './engine.js';
import type { GatewayGuarantees } from './gateway-guarantees.js';
import { BUILTIN_RULES } from './rules/index.js';
import { isActive, severityRank, type AuditReport, type FailOn, type Finding, type Rule, type Severity } from './types.js';

export { auditFile, auditLoaded, type AuditOptions } from './engine.js';
export { auditScoreForSpecs, loadGatewayGuarantees, type GatewayGuarantees, type SpecGuarantees } from './gateway-guarantees.js';
export { loadRulesFile, parseRules, type RulesConfig } from './rules-file.js';
export { loadSpectralRuleset, type SpectralRuleset } from './spectral.js';
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

export interface GateVerdict {
  readonly code: 0 | 1;
  /** One line for the end of the output: which gate decided and why. */
  readonly reason: string;
}

/** Whether a finding fails `--fail-on`: active, and at or above the threshold. */
export function failsGate(f: Finding, failOn: FailOn): boolean {
  return failOn !== 'none' && isActive(f) && severityRank(f.severity) >= severityRank(failOn);
}

/** The gate: 1 when an active finding is at/above `failOn` or a document scores below `minScore`, with the reason. */
export function gateVerdict(report: AuditReport, failOn: FailOn, minScore: number | undefined): GateVerdict {
  const failing = report.documents.flatMap((d) => d.findings.filter((f) => failsGate(f, failOn)).map((f) => ({ d, f })));
  const low = minScore === undefined ? [] : report.documents.filter((d) => d.score < minScore);
  const reasons: string[] = [];
  if (failing.length > 0) {
    const rules = [...new Set(failing.map(({ f }) => f.ruleId))];
    reasons.push(`--fail-on ${failOn}: ${failing.length} active finding(s) at or above ${failOn} (${rules.slice(0, 5).join(', ')}${rules.length > 5 ? ', …' : ''})`);
  }
  if (low.length > 0) reasons.push(`--min-score ${minScore ?? ''}: ${low.map((d) => `${d.file} scores ${d.score}`).slice(0, 3).join(', ')}${low.length > 3 ? ', …' : ''}`);
  if (reasons.length > 0) return { code: 1, reason: `gate failed: ${reasons.join('; ')}` };
  const scores = report.documents.map((d) => d.score);
  const lowest = scores.length === 0 ? 100 : Math.min(...scores);
  const sev = failOn === 'none' ? 'findings not gated (--fail-on none)' : `no active finding at or above ${failOn}`;
  return { code: 0, reason: `gate passed: ${sev}; lowest score ${lowest}${minScore === undefined ? '' : ` (--min-score ${minScore})`}` };
}

/** The gate's exit code alone. */
export function gateExitCode(report: AuditReport, failOn: FailOn, minScore: number | undefined): 0 | 1 {
  return gateVerdict(report, failOn, minScore).code;
}
