/**
 * Collects findings (one per rule and operation, repeats counted) and per-operation coverage, so a
 * report always says which operations were reached with a 2xx, only refused, or never reached.
 */
import type { Operation } from '../openapi/index.js';
import { toCurl } from './request.js';
import type {
  CoverageState, Exchange, Finding, Identity, OperationCoverage, ScanResponse,
} from './types.js';

/** A finding as a check reports it: the sink derives status, curl and occurrences. */
export interface FindingInput extends Pick<Finding, 'ruleId' | 'check' | 'severity' | 'owasp' | 'title' | 'operation' | 'evidence' | 'request'> {
  readonly kind?: Finding['kind'];
  readonly response: ScanResponse;
  /** Distinguishes findings of one rule on one operation (a parameter name). */
  readonly key?: string;
}

export class FindingSink {
  private readonly byKey = new Map<string, Finding>();

  constructor(private readonly origin: string, private readonly identities: readonly Identity[]) {}

  add(f: FindingInput): void {
    const key = `${f.ruleId}\u0000${f.operation ?? ''}\u0000${f.key ?? ''}`;
    const existing = this.byKey.get(key);
    if (existing !== undefined) {
      existing.occurrences++;
      return;
    }
    const header = this.identities.find((i) => i.name === f.request.identity)?.header;
    this.byKey.set(key, {
      ruleId: f.ruleId, kind: f.kind ?? 'finding', check: f.check, severity: f.severity, owasp: f.owasp, title: f.title,
      operation: f.operation, evidence: f.evidence, request: f.request, status: f.response.status,
      curl: toCurl(this.origin, f.request, header), occurrences: 1,
    });
  }

  has(ruleId: string, operation?: string): boolean {
    for (const f of this.byKey.values()) if (f.ruleId === ruleId && (operation === undefined || f.operation === operation)) return true;
    return false;
  }

  list(): Finding[] {
    const rank = { critical: 0, high: 1, medium: 2, low: 3, info: 4 } as const;
    return [...this.byKey.values()].sort((a, b) =>
      (a.kind === b.kind ? 0 : a.kind === 'finding' ? -1 : 1) || rank[a.severity] - rank[b.severity] || a.ruleId.localeCompare(b.ruleId));
  }
}

export class Coverage {
  private readonly stats = new Map<string, { op: Operation; statuses: Record<string, number>; requests: number }>();

  constructor(operations: readonly Operation[]) {
    for (const op of operations) this.stats.set(op.id, { op, statuses: {}, requests: 0 });
  }

  record(e: Exchange): void {
    if (e.operation === undefined) return;
    const s = this.stats.get(e.operation);
    if (s === undefined) return;
    s.requests++;
    const key = e.response.status === 0 ? (e.response.error ?? 'network') : String(e.response.status);
    s.statuses[key] = (s.statuses[key] ?? 0) + 1;
  }

  reached(opId: string): boolean {
    const s = this.stats.get(opId);
    return s !== undefined && Object.keys(s.statuses).some((k) => k.startsWith('2'));
  }

  list(): OperationCoverage[] {
    return [...this.stats.values()].map(({ op, statuses, requests }) => ({
      operation: op.id, method: op.method, path: op.path, state: stateOf(statuses, requests), requests, statuses: { ...statuses },
    }));
  }
}

function stateOf(statuses: Record<string, number>, requests: number): CoverageState {
  // A throttled answer says nothing about whether the operation can be reached.
  const all = Object.keys(statuses);
  const keys = all.some((k) => k !== '429') ? all.filter((k) => k !== '429') : all;
  if (requests === 0) return 'not-reached';
  if (keys.some((k) => k.startsWith('2'))) return 'reached';
  if (keys.every((k) => k === '401' || k === '403')) return 'refused';
  if (keys.some((k) => k.startsWith('4'))) return 'rejected';
  return 'failed';
}
