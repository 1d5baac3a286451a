/**
 * Runs the rules over one loaded document: one schema walk feeding every schema rule, then the
 * document rules; then severity overrides, suppressions, gateway mitigations, lines and scores.
 */
import type { LoadedSpec } from '../openapi/types.js';
import { SpecError } from '../errors/index.js';
import { addressOf, splitAddress } from './raw.js';
import { openSources, type AuditSources } from './sources.js';
import { walkSchemas } from './schema-walk.js';
import { collectSuppressions } from './suppress.js';
import { categoryScores, scoreOf } from './scoring.js';
import { loadForAudit } from './load.js';
import { BUILTIN_RULES } from './rules/index.js';
import type { SpecGuarantees } from './gateway-guarantees.js';
import { severityRank, type AuditContext, type DocumentReport, type EmitOptions, type Finding, type Rule, type SchemaSite, type Severity } from './types.js';

export interface AuditOptions {
  /** The rules to run; defaults to every built-in rule. */
  readonly rules?: readonly Rule[];
  /** Severity per rule id, or `off` to disable it. */
  readonly overrides?: Readonly<Record<string, Severity | 'off'>>;
  /** What the gateway guarantees for this document (from --gateway-config). */
  readonly guarantees?: SpecGuarantees | undefined;
}

const ruleById = (id: string): Rule => BUILTIN_RULES.find((r) => r.id === id) as Rule;

export function auditLoaded(spec: LoadedSpec, opts: AuditOptions = {}): DocumentReport {
  const rules = (opts.rules ?? BUILTIN_RULES).filter((r) => opts.overrides?.[r.id] !== 'off');
  const sources = openSources(spec);
  const raw = sources.raw;
  const pending: { rule: Rule; pointer: string; message: string; opts: EmitOptions | undefined }[] = [];
  const seen = new Set<string>();
  const emitFor = (rule: Rule) => (pointer: string, message: string, opts?: EmitOptions): void => {
    const key = `${rule.id}\u0000${pointer}`;
    if (seen.has(key)) return; // one finding per rule and place, however many operations share it
    seen.add(key);
    pending.push({ rule, pointer, message, opts });
  };
  const guarded = (rule: Rule, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      // A rule must never take the audit down: thousands of odd real-world specs go through it.
      emitFor(ruleById('GH-SPEC-005'))('', `rule ${rule.id} failed: ${(err as Error).message}`);
    }
  };
  const schemaRules = rules.filter((r) => r.visitSchema !== undefined).map((r) => ({ rule: r, emit: emitFor(r) }));
  let walked = { request: new Set<string>(), response: new Set<string>() };
  try {
    walked = walkSchemas(spec, raw, (site: SchemaSite) => {
      for (const { rule, emit } of schemaRules) guarded(rule, () => rule.visitSchema?.(site, emit));
    });
  } catch (err) {
    emitFor(ruleById('GH-SPEC-005'))('', `schema walk failed: ${(err as Error).message}`);
  }
  const ctx: AuditContext = { spec, raw, requestSchemas: walked.request, responseSchemas: walked.response };
  for (const rule of rules) if (rule.check !== undefined) guarded(rule, () => rule.check?.(ctx, emitFor(rule)));

  const suppressions = collectSuppressions(raw);
  if (opts.overrides?.['GH-SPEC-004'] !== 'off') {
    for (const [ptr, ruleId] of suppressions.invalid) emitFor(ruleById('GH-SPEC-004'))(ptr, `suppression of ${ruleId} has no reason and is not honoured`);
  }
  // One weakness, one finding: a rule that supersedes another takes the place they both saw.
  const superseded = new Set<string>();
  for (const p of pending) for (const other of p.rule.supersedes ?? []) superseded.add(`${other}\u0000${p.pointer}`);
  const kept = superseded.size === 0 ? pending : pending.filter((p) => !superseded.has(`${p.rule.id}\u0000${p.pointer}`));
  const findings = kept.map(({ rule, pointer, message, opts: e }): Finding => {
    // Rules speak in addresses; a finding says the file it is written in and the pointer there.
    const loc = locateNearest(sources, pointer);
    const f: Finding = {
      ruleId: rule.id, severity: (opts.overrides?.[rule.id] as Severity | undefined) ?? e?.severity ?? rule.severity, owasp: rule.owasp, message,
      pointer: splitAddress(pointer).pointer, file: loc?.file ?? raw.fileOf(pointer) ?? spec.file, line: loc?.line, fix: rule.fix, confidence: e?.confidence ?? 'high',
    };
    const reason = suppressions.reasonFor(rule.id, pointer);
    if (reason !== undefined) f.suppressed = reason;
    const mitigation = rule.mitigatedBy === undefined ? undefined : opts.guarantees?.[rule.mitigatedBy];
    if (mitigation !== undefined) f.mitigatedByGateway = mitigation;
    return f;
  });
  findings.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.ruleId.localeCompare(b.ruleId) || a.pointer.localeCompare(b.pointer));
  return {
    file: spec.file, title: spec.title, version: spec.versionString, operations: spec.operations.length,
    score: scoreOf(findings), categoryScores: categoryScores(findings), findings, rulesRun: rules.map((r) => r.id),
  };
}

/** Loads and audits one file; a document that cannot be read becomes a GH-SPEC-001 finding, never an exception. */
export async function auditFile(file: string, opts: AuditOptions = {}): Promise<DocumentReport> {
  let spec: LoadedSpec;
  try {
    spec = await loadForAudit(file);
  } catch (err) {
    const rule = ruleById('GH-SPEC-001');
    let message = err instanceof SpecError ? err.message : `cannot load: ${err instanceof Error ? err.message : String(err)}`;
    // SpecError messages start with `file:line: `; the report already says where.
    const prefix = /^.*?:(\d+:)? /.exec(message);
    if (err instanceof SpecError && prefix !== null && message.startsWith(err.file)) message = message.slice(prefix[0].length);
    const line = (err instanceof SpecError ? err.line : undefined) ?? 1;
    const findings: Finding[] = [{ ruleId: rule.id, severity: rule.severity, owasp: rule.owasp, message, pointer: err instanceof SpecError ? err.pointer ?? '' : '', file, line, fix: rule.fix, confidence: 'high' }];
    return { file, title: '', version: '', operations: 0, score: 0, categoryScores: categoryScores(findings), findings, rulesRun: [rule.id] };
  }
  return auditLoaded(spec, opts);
}

/** The line of the address, or of its nearest ancestor that exists in the file (a missing key points at its parent). */
function locateNearest(sources: AuditSources, address: string): { file: string; line: number } | undefined {
  const { fileKey, pointer } = splitAddress(address);
  let p = pointer;
  for (;;) {
    const loc = safeLocate(sources, addressOf(fileKey, p));
    if (loc !== undefined || p === '') return loc;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function safeLocate(sources: AuditSources, address: string): { file: string; line: number } | undefined {
  try {
    return sources.locate(address);
  } catch {
    return undefined;
  }
}
