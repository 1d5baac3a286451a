import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { AuditReport, Finding } from '../audit/types.js';
import type { ScanReport } from '../scan/types.js';
import { parseConfig } from '../config/index.js';
import { retentionTargets } from '../gateway/retention.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { RetentionJob } from '../store/retention.js';
import { auditRecord, FINDINGS_STREAM, scanRecord, getReport, listReports, MAX_STORED_FINDINGS, REPORT_STREAM, storeReport } from './stored.js';

const finding = (severity: Finding['severity'], i: number, extra: Partial<Finding> = {}): Finding => ({
  ruleId: `GH-T-${i}`, severity, owasp: 'API8:2023', message: `m${i}`, pointer: `/paths/${i}`, file: '/repo/api.yaml', line: i, fix: 'fix it', confidence: 'high', ...extra,
});
const report = (findings: Finding[]): AuditReport => ({
  documents: [{ file: '/repo/api.yaml', title: 't', version: '3.1.0', operations: 1, score: 50, categoryScores: {}, findings, rulesRun: [] }],
  rules: [],
});

describe('stored reports', () => {
  it('counts only findings that gate, keeps the muted ones flagged, and names files as the printed report does', () => {
    const r = auditRecord(report([finding('high', 1), finding('low', 2), finding('high', 3, { suppressed: 'public on purpose' }), finding('medium', 4, { mitigatedByGateway: 'maxBodyBytes' })]), '/repo');
    expect(r.bySeverity).toEqual({ critical: 0, high: 1, medium: 0, low: 1, info: 0 });
    expect(r.total).toBe(2);
    expect(r.muted).toBe(2);
    expect(r.score).toBe(50);
    expect(r.findings.map((f) => f.muted)).toEqual([undefined, undefined, 'suppressed: public on purpose', 'mitigated by the gateway: maxBodyBytes']);
    expect(r.findings[0]?.where).toBe('api.yaml#/paths/1:1');
  });

  it('keeps the most severe findings past the limit, with exact totals and the count left out', () => {
    const many = [...Array.from({ length: MAX_STORED_FINDINGS }, (_, i) => finding('low', i)), finding('critical', -1)];
    const r = auditRecord(report(many), '/repo');
    expect(r.findings).toHaveLength(MAX_STORED_FINDINGS);
    expect(r.findings[0]?.severity).toBe('critical');
    expect(r.findingsOmitted).toBe(1);
    expect(r.bySeverity.low).toBe(MAX_STORED_FINDINGS);
  });

  it('lists newest first without findings, filters by kind, and finds one by id', async () => {
    let now = 1_000;
    const store = createMemoryStore({ now: () => now });
    const first = auditRecord(report([finding('high', 1)]), '/repo', 1_000);
    await storeReport(store.records, first);
    now = 2_000;
    const second = auditRecord(report([]), '/repo', 2_000);
    await storeReport(store.records, second);
    const listed = await listReports(store.records, { since: 0, limit: 10 });
    expect(listed.map((r) => r.id)).toEqual([second.id, first.id]);
    expect(listed[0]).not.toHaveProperty('findings');
    expect(await listReports(store.records, { since: 0, limit: 10, kind: 'scan' })).toEqual([]);
    expect(await listReports(store.records, { since: 1_500, limit: 10 })).toHaveLength(1);
    expect((await getReport(store.records, first.id))?.findings).toHaveLength(1);
    expect(await getReport(store.records, 'r-missing')).toBeUndefined();
    await store.close();
  });
});

describe('stored scan reports', () => {
  it('keeps credentials in the target URL out of the subject', () => {
    const r = scanRecord({ target: 'http://scanner:hunter2@127.0.0.1:8080/api', spec: 'api.yaml', requests: 3, truncated: false, findings: [] } as unknown as ScanReport);
    expect(r.subject).toBe('http://127.0.0.1:8080/api (api.yaml)');
    expect(JSON.stringify(r)).not.toContain('hunter2');
  });
});

describe('retention of stored reports', () => {
  it('trims summaries and findings by retention.reports, and a report kept keeps its findings', async () => {
    const spec = fileURLToPath(new URL('../../test/inventory/fixtures/shop.yaml', import.meta.url));
    const config = await parseConfig([
      'version: "1"', 'store: { memory: {} }', 'retention: { reports: { maxRecords: 1 } }',
      'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:9" }',
    ].join('\n'), '/tmp/gatehouse.yaml');
    const store = createMemoryStore();
    const older = auditRecord(report([finding('high', 1)]), '/repo');
    const newer = auditRecord(report([finding('low', 2)]), '/repo');
    await storeReport(store.records, older);
    await storeReport(store.records, newer);
    const job = new RetentionJob(store, retentionTargets(config), 60_000, { logger: pino({ level: 'silent' }) });
    expect(await job.runOnce()).toMatchObject({ [REPORT_STREAM]: 1, [FINDINGS_STREAM]: 1 });
    expect(await getReport(store.records, older.id)).toBeUndefined();
    expect((await getReport(store.records, newer.id))?.findings.map((f) => f.ruleId)).toEqual(['GH-T-2']);
    await store.close();
  });
});
