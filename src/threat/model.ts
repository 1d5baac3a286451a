/**
 * `gatehouse threat-model`: spec facts -> derived threats -> what the gateway config does about
 * each -> the audit findings that test them -> operations ranked by the risk that remains.
 */
import { auditLoaded } from '../audit/engine.js';
import type { Finding } from '../audit/types.js';
import type { GatehouseConfig } from '../config/types.js';
import type { LoadedSpec } from '../openapi/types.js';
import { deriveOperation, type Draft } from './derive.js';
import { deriveDocument } from './document.js';
import { evidenceMaker, readFacts, type OperationFacts } from './facts.js';
import { mitigate, viewsFor, type GatewayView } from './mitigate.js';
import {
  REMAINING, RISK_WEIGHT, type AuditLink, type OperationModel, type Threat, type ThreatModel,
} from './types.js';
import { severityRank } from '../audit/types.js';

export interface ModelOptions {
  /** The loaded gateway config; its APIs serving the spec decide the mitigations. */
  readonly config?: GatehouseConfig;
  readonly version?: string;
}

export class SpecNotServedError extends Error {}

export function buildThreatModel(spec: LoadedSpec, options: ModelOptions = {}): ThreatModel {
  const views: GatewayView[] = options.config === undefined ? [] : viewsFor(options.config, spec.file);
  if (options.config !== undefined && views.length === 0) {
    const served = options.config.apis.map((a) => a.spec).join(', ');
    throw new SpecNotServedError(`${options.config.file}: no API serves ${spec.file} (apis[].spec: ${served || 'none'})`);
  }
  const facts = readFacts(spec);
  const audit = auditLoaded(spec).findings.filter((f) => f.suppressed === undefined);
  const finish = (d: Draft, f: OperationFacts | undefined): Threat => {
    const mitigation = mitigate(d, f, views);
    const { fields: _fields, ownScopes: _own, ...rest } = d;
    return {
      ...rest,
      mitigation,
      auditFindings: linkFindings(d, f, audit),
      risk: RISK_WEIGHT[d.severity] * REMAINING[mitigation.status],
    };
  };
  const operations: OperationModel[] = facts.operations.map((f) => {
    const threats = deriveOperation(f, facts).map((d) => finish(d, f)).sort(byRisk);
    return {
      id: f.op.id, method: f.op.method, path: f.op.path, pointer: f.op.pointer, line: f.at.line, summary: f.op.summary,
      threats, risk: threats.reduce((n, t) => n + t.risk, 0),
    };
  });
  operations.sort((a, b) => b.risk - a.risk || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  const document = deriveDocument(facts, evidenceMaker(spec)).map((d) => finish(d, undefined)).sort(byRisk);
  const all = [...document, ...operations.flatMap((o) => o.threats)];
  return {
    tool: { name: 'gatehouse-threat-model', version: options.version ?? '0.1.0' },
    spec: { file: spec.file, title: spec.title, version: spec.apiVersion, openapi: spec.versionString },
    gateway: options.config === undefined ? undefined : { file: options.config.file, apis: views.map((v) => v.api.name) },
    document,
    operations,
    totals: {
      threats: all.length,
      mitigated: all.filter((t) => t.mitigation.status === 'mitigated').length,
      partial: all.filter((t) => t.mitigation.status === 'partial').length,
      unmitigated: all.filter((t) => t.mitigation.status === 'none').length,
      risk: all.reduce((n, t) => n + t.risk, 0),
    },
  };
}

function byRisk(a: Threat, b: Threat): number {
  return b.risk - a.risk || severityRank(b.severity) - severityRank(a.severity) || a.id.localeCompare(b.id);
}

/**
 * Findings of the threat's audit rules raised on this operation or on the facts it cites (a
 * shared schema is reported once, where it is written, which is where the facts point too).
 */
function linkFindings(d: Draft, f: OperationFacts | undefined, findings: readonly Finding[]): AuditLink[] {
  const rules = new Set(d.auditRules);
  const places = [...(f === undefined ? [] : [f.op.pointer]), ...d.because.map((e) => e.pointer)].filter((p) => p !== '');
  const within = (p: string): boolean => places.some((place) => p === place || p.startsWith(`${place}/`));
  return findings
    .filter((x) => rules.has(x.ruleId) && within(x.pointer))
    .slice(0, 10)
    .map((x) => ({ ruleId: x.ruleId, pointer: x.pointer, line: x.line, message: x.message }));
}
