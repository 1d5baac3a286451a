/**
 * The scanner against a Python service (test/scan/targets/forms_api.py) it was not built beside:
 * form, multipart and XML bodies read by Python's parsers, a form login whose tokens run out
 * mid-scan, a caller's own `secret` field, a search that is slow on odd characters, a real SQL
 * injection, a simulated shell, and a GET that wipes the data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLogin, planScan, runScan, type ScanReport } from '../../src/scan/index.js';
import { FORMS_SPEC, startFormsApi, type PythonTarget } from './targets/python-target.js';

const logins = [
  parseLogin('alice=POST /login username=alice&password=alice-Secr3t!'),
  parseLogin('bob=POST /login username=bob&password=bob-Secr3t!'),
];
const findings = (r: ScanReport): string[] => r.findings.filter((f) => f.kind === 'finding').map((f) => `${f.ruleId} ${f.operation ?? ''}`.trim());
const state = (r: ScanReport, op: string): string | undefined => r.coverage.find((c) => c.operation === op)?.state;

describe('a Python service with form, multipart and XML bodies and a form login', () => {
  let target: PythonTarget;
  let report: ScanReport;
  beforeAll(async () => {
    // Tokens stop working after 25 uses: the scan has to log in again, several times.
    target = await startFormsApi({ tokenUses: 25 });
    report = await runScan({
      spec: FORMS_SPEC, target: target.url, logins, seed: 4, maxRequests: 1_500,
      checks: ['fuzz', 'stateful', 'auth', 'bola', 'exposure', 'mass-assignment'], exclude: ['search'],
    });
  }, 120_000);
  afterAll(async () => { await target.close(); });

  it('reaches the multipart, form and XML operations, and the service parses what it got', async () => {
    for (const op of ['login', 'uploadDocument', 'createNote', 'lookupHost', 'getMe']) expect([op, state(report, op)]).toEqual([op, 'reached']);
    const stats = await target.stats();
    // Python's multipart parser found a file part with a name, and its XML parser a <note>.
    expect(stats.documents.length).toBeGreaterThan(0);
    expect(stats.documents[0]).toMatchObject({ filename: 'gh-scan.txt' });
    expect(stats.notes.length).toBeGreaterThan(0);
    expect(typeof stats.notes[0]?.text).toBe('string');
  });

  it('follows the OpenAPI link from a created note to its archive entry', () => {
    // The archive ref is random: only the link from createNote's answer can reach it.
    expect(state(report, 'getArchived')).toBe('reached');
  });

  it('logs in again when the tokens run out and keeps testing as the same users', async () => {
    const stats = await target.stats();
    expect(stats.logins).toBeGreaterThanOrEqual(4);
    expect(state(report, 'getMe')).toBe('reached');
    expect(report.notes.join('\n')).not.toMatch(/login of .* failed/);
  });

  it('files nothing on the fixed service: her own secret is hers to read, and no malformed request of its own counts', () => {
    expect(findings(report)).toEqual([]);
  });

  it('never calls the destructive GET nor the operation the spec marks skip', async () => {
    const stats = await target.stats();
    expect(stats.resets).toBe(0);
    expect(stats.seen.filter((s) => /reset-db|reindex/.test(s))).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/resetDatabase: destructive by its name/);
    expect(report.notes.join('\n')).toMatch(/reindex: marked x-gatehouse-scan: skip/);
  });

  it('lists what it skips and why in the dry run, and that BOLA needs two non-admin identities', async () => {
    const plan = await planScan({ spec: FORMS_SPEC, target: target.url, logins: [logins[0] as (typeof logins)[number]], exclude: ['search'] });
    expect(plan.skipped).toEqual(expect.arrayContaining([
      { operation: 'search', reason: 'excluded by --exclude' },
      { operation: 'resetDatabase', reason: expect.stringMatching(/destructive by its name \("\/admin\/reset-db" says reset\)/) as string },
      { operation: 'reindex', reason: 'marked x-gatehouse-scan: skip in the spec' },
    ]));
    expect(plan.notes.join('\n')).toMatch(/bola: needs two non-admin identities/);
    const all = await planScan({ spec: FORMS_SPEC, target: target.url, includeDestructive: true });
    expect(all.operations.map((o) => o.id)).toContain('resetDatabase');
  });
});

describe('a Python service with a secret field of another user', () => {
  it('files the exposure when one user reads another user\'s secret, not when she reads her own', async () => {
    const target = await startFormsApi({ flaws: ['exposure'] });
    try {
      const report = await runScan({ spec: FORMS_SPEC, target: target.url, logins, seed: 4, maxRequests: 600, checks: ['bola', 'exposure'], exclude: ['search'] });
      const exposed = report.findings.filter((f) => f.ruleId === 'exposure.sensitive-data');
      expect(exposed.map((f) => f.operation)).toEqual(['getUser']);
      expect(exposed[0]?.evidence).toMatch(/secret of another user .* in a record of another user than "bob"/);
      expect(exposed[0]?.request.identity).toBe('bob');
      expect(findings(report)).toContain('bola.read-other-users-object getUser');
    } finally {
      await target.close();
    }
  }, 120_000);
});

describe('time-based injection against a real SQL engine, a simulated shell and a slow search', () => {
  const options = {
    spec: FORMS_SPEC, logins: [logins[0] as (typeof logins)[number]], seed: 4, maxRequests: 600, checks: ['injection' as const],
    operations: ['login', 'getMe', 'listBooks', 'search', 'lookupHost'], tuning: { delaySeconds: 1 },
  };

  it('names the family that worked: SQL for the query, OS command for the shell; nothing for the slow search', async () => {
    const target = await startFormsApi({ flaws: ['sqli', 'command'] });
    try {
      const report = await runScan({ ...options, target: target.url });
      const timed = findings(report).filter((f) => /-time /.test(f));
      expect(timed.sort()).toEqual(['injection.command-time lookupHost', 'injection.sql-time listBooks']);
      const sql = report.findings.find((f) => f.ruleId === 'injection.sql-time');
      expect(sql?.evidence).toMatch(/the sql payload .* asking for 1 s answered in \d+ ms, asking for 0 s in \d+ ms, asking for 2 s in \d+ ms/);
    } finally {
      await target.close();
    }
  }, 180_000);

  it('files no time-based finding on the fixed service, though its search is slow on payloads', async () => {
    const target = await startFormsApi();
    try {
      const report = await runScan({ ...options, target: target.url });
      expect(findings(report).filter((f) => /-time /.test(f))).toEqual([]);
      // The slow path was met: payloads took the search over the threshold.
      expect((await target.stats()).seen.filter((s) => s === 'POST /search').length).toBeGreaterThan(10);
    } finally {
      await target.close();
    }
  }, 180_000);
});
