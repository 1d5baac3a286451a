/**
 * Audit and scan reports kept in the store (`gatehouse audit --store`, `gatehouse scan --store`),
 * so the admin API and the console can show findings over time. Each run is two records: its
 * summary in `reports` and its findings in `reports.findings`, so listing a year of reports reads
 * a few hundred bytes each, not megabytes of findings. Both streams are trimmed by
 * `retention.reports`. A scan report is stored as the scan returns it: every credential it sent
 * is already redacted (src/scan/report/redact.ts).
 */
import { randomBytes } from 'node:crypto';
import { relativeFile } from '../audit/format/paths.js';
import { isActive, type AuditReport } from '../audit/types.js';
import type { ScanReport } from '../scan/types.js';
import type { Records } from '../store/ports.js';
import { withoutUserInfo } from '../scan/report/redact.js';

export const REPORT_STREAM = 'reports';
export const FINDINGS_STREAM = 'reports.findings';
export const REPORT_SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type ReportSeverity = (typeof REPORT_SEVERITIES)[number];
export type ReportKind = 'audit' | 'scan';

/*
 * A report past this many findings keeps the most severe ones and says how many it left out:
 * one record stays a few megabytes at most on every engine, and the totals stay exact.
 */
export const MAX_STORED_FINDINGS = 2000;

/** One finding as stored, the same shape for audits and scans. */
export interface StoredFinding {
  readonly ruleId: string;
  readonly severity: ReportSeverity;
  readonly title: string;
  /** Audit: file#pointer:line. Scan: the operation (or METHOD /path). */
  readonly where: string;
  readonly owasp?: string;
  /** Audit: the fix. Scan: what was observed. */
  readonly detail: string;
  /** Scan: a command that reproduces the request, credentials left to environment variables. */
  readonly curl?: string;
  /** Not counted against the gate: suppressed in the spec, mitigated by the gateway, or a spec ambiguity. */
  readonly muted?: string;
  readonly occurrences?: number;
}

export interface ReportSummary {
  readonly id: string;
  readonly kind: ReportKind;
  readonly at: number;
  /** What was examined: the specs audited, or the scan's target and spec. */
  readonly subject: string;
  /** Findings that count (not muted) by severity; every severity is present. */
  readonly bySeverity: Readonly<Record<ReportSeverity, number>>;
  readonly total: number;
  readonly muted: number;
  /** Audit: the lowest document score. */
  readonly score?: number;
  /** Scan: requests sent, and whether a budget stopped it early. */
  readonly requests?: number;
  readonly truncated?: boolean;
  readonly findingsOmitted: number;
}

export interface StoredReport extends ReportSummary {
  readonly findings: readonly StoredFinding[];
}

const RANK: Record<ReportSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

function newId(at: number): string {
  return `r-${at.toString(36)}-${randomBytes(5).toString('hex')}`;
}

function summarise(kind: ReportKind, subject: string, at: number, all: StoredFinding[], extra: Partial<ReportSummary>): StoredReport {
  const bySeverity: Record<ReportSeverity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let muted = 0;
  for (const f of all) {
    if (f.muted === undefined) bySeverity[f.severity] += 1;
    else muted += 1;
  }
  const sorted = [...all].sort((a, b) => Number(a.muted !== undefined) - Number(b.muted !== undefined) || RANK[a.severity] - RANK[b.severity]);
  const findings = sorted.slice(0, MAX_STORED_FINDINGS);
  return {
    id: newId(at), kind, at, subject, bySeverity, total: all.length - muted, muted, ...extra,
    findingsOmitted: sorted.length - findings.length, findings,
  };
}

/** An audit run as a stored report; file names relative to `cwd`, as the printed reports give them. */
export function auditRecord(report: AuditReport, cwd: string, at = Date.now()): StoredReport {
  const findings: StoredFinding[] = report.documents.flatMap((d) => d.findings.map((f) => ({
    ruleId: f.ruleId, severity: f.severity, title: f.message,
    where: `${relativeFile(f.file, cwd)}#${f.pointer}${f.line === undefined ? '' : `:${f.line}`}`,
    owasp: f.owasp, detail: f.fix,
    ...(isActive(f) ? {} : { muted: f.suppressed !== undefined ? `suppressed: ${f.suppressed}` : `mitigated by the gateway: ${f.mitigatedByGateway ?? ''}` }),
  })));
  const scores = report.documents.map((d) => d.score);
  return summarise('audit', report.documents.map((d) => relativeFile(d.file, cwd)).join(', '), at, findings, scores.length === 0 ? {} : { score: Math.min(...scores) });
}

/** A scan run as a stored report (the scan already redacted its credentials). */
export function scanRecord(report: ScanReport, at = Date.now()): StoredReport {
  const findings: StoredFinding[] = report.findings.map((f) => ({
    ruleId: f.ruleId, severity: f.severity, title: f.title, where: f.operation ?? `${f.request.method} ${f.request.path.split('?')[0] ?? ''}`,
    ...(f.owasp === undefined ? {} : { owasp: f.owasp }), detail: f.evidence, curl: f.curl, occurrences: f.occurrences,
    ...(f.kind === 'warning' ? { muted: 'warning: the spec is ambiguous' } : {}),
  }));
  return summarise('scan', `${withoutUserInfo(report.target)} (${report.spec})`, at, findings, { requests: report.requests, truncated: report.truncated });
}


/** Findings first: a listed summary always has its findings; findings whose summary failed to write are trimmed in time. */
export async function storeReport(records: Records, report: StoredReport): Promise<void> {
  const { findings, ...summary } = report;
  await records.append(FINDINGS_STREAM, { id: report.id, findings });
  await records.append(REPORT_STREAM, summary);
}

/** The stored reports since a time, newest first, without their findings. */
export async function listReports(records: Records, options: { since: number; kind?: ReportKind; limit: number }): Promise<ReportSummary[]> {
  const rows = await records.query(REPORT_STREAM, { since: options.since, order: 'desc', limit: options.limit, ...(options.kind === undefined ? {} : { where: { kind: options.kind } }) });
  return rows.map((r) => r.data as unknown as ReportSummary);
}

export async function getReport(records: Records, id: string): Promise<StoredReport | undefined> {
  const [[summary], [findings]] = await Promise.all([records.query(REPORT_STREAM, { where: { id }, limit: 1 }), records.query(FINDINGS_STREAM, { where: { id }, limit: 1 })]);
  if (summary === undefined) return undefined;
  return { ...(summary.data as unknown as ReportSummary), findings: (findings?.data.findings ?? []) as StoredFinding[] };
}
