/**
 * The scanner against the deliberately vulnerable sample service (every planted flaw found) and
 * its fixed twin (no finding, and still most operations reached). Real HTTP on loopback; the
 * tokens are real HS256 JWTs of the service.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReport, runScan, type ScanReport } from '../../src/scan/index.js';
import { SPEC_FILE, startVulnerableApi, type Flaw, type VulnerableApi } from '../targets/vulnerable-api.js';

async function scan(api: VulnerableApi, seed = Number(process.env.SCAN_SEED ?? 7)): Promise<ScanReport> {
  return runScan({
    spec: SPEC_FILE, target: api.url, seed, rate: 70, maxRequests: 3000, maxTimeMs: 120_000,
    identities: [
      { name: 'user1', header: 'Authorization', value: `Bearer ${await api.token('alice')}` },
      { name: 'user2', header: 'Authorization', value: `Bearer ${await api.token('bob')}` },
    ],
    tuning: { delaySeconds: 1 },
  });
}

/** For each planted flaw, the finding (rule and operation) that proves the scanner saw it. */
const EXPECTED: Record<Flaw, string[]> = {
  'fuzz-crash': ['fuzz.server-error createProduct'],
  'response-schema': ['fuzz.response-schema listProducts'],
  stateful: ['stateful.server-error getNote'],
  'alg-none': ['auth.alg-none getMe', 'auth.alg-none adminListUsers'],
  bola: ['bola.read-other-users-object getOrder'],
  bfla: ['bfla.admin-operation-as-user adminListUsers'],
  'mass-assignment': ['mass-assignment.accepted updateMe'],
  exposure: ['exposure.undeclared-field getMe'],
  misconfig: ['misconfig.cors-reflected-origin-credentials listProducts', 'misconfig.server-banner', 'misconfig.trace-enabled', 'misconfig.missing-nosniff', 'misconfig.verbose-error createProduct'],
  'rate-limit': ['rate-limit.none listProducts', 'rate-limit.page-size listProducts'],
  sqli: ['injection.sql-error listProducts'],
  nosqli: ['injection.nosql-operator login'],
  command: ['injection.command-time pingHost'],
  xss: ['injection.reflected-script greeting'],
  ssrf: ['ssrf.canary-fetched registerWebhook'],
  inventory: ['inventory.undeclared-path GET /debug', 'inventory.undeclared-path GET /api/v1/products'],
};

const found = (r: ScanReport): string[] => [...new Set(r.findings.filter((f) => f.kind === 'finding').map((f) => `${f.ruleId} ${f.operation ?? ''}`.trim()))].sort();

describe('gatehouse scan against the vulnerable sample service', () => {
  let flawed: VulnerableApi;
  let fixed: VulnerableApi;
  let report: ScanReport;
  let twin: ScanReport;
  beforeAll(async () => {
    flawed = await startVulnerableApi({ flaws: 'all' });
    fixed = await startVulnerableApi({ flaws: 'none' });
    report = await scan(flawed);
    twin = await scan(fixed);
    if (process.env.SCAN_REPORT_DIR !== undefined) {
      writeFileSync(`${process.env.SCAN_REPORT_DIR}/flawed.txt`, formatReport(report, 'text'));
      writeFileSync(`${process.env.SCAN_REPORT_DIR}/fixed.txt`, formatReport(twin, 'text'));
    }
  }, 240_000);
  afterAll(async () => {
    await flawed.close();
    await fixed.close();
  });

  for (const [flaw, rules] of Object.entries(EXPECTED)) {
    it(`finds the planted ${flaw} flaw`, () => {
      expect(found(report)).toEqual(expect.arrayContaining(rules));
    });
  }

  it('reports nothing on the fixed twin, while still reaching most operations', () => {
    expect(found(twin)).toEqual([]);
    expect(twin.coverage.filter((c) => c.state === 'reached').length).toBeGreaterThanOrEqual(14);
    expect(twin.coverage.find((c) => c.operation === 'adminListUsers')?.state).toBe('refused');
  });

  it('gives every finding its evidence, OWASP category, operation and a curl command without the credential', () => {
    for (const f of report.findings.filter((x) => x.kind === 'finding')) {
      expect(f.evidence.length).toBeGreaterThan(20);
      expect(f.curl).toMatch(/^curl -sS -i /);
      expect(f.curl).not.toMatch(/Bearer eyJ[\w-]+\.eyJ[\w-]+\.[\w-]{10,}/);
      if (!f.ruleId.startsWith('misconfig.')) expect(f.operation).toBeDefined();
      expect(f.owasp).toMatch(/^API\d+:2023/);
    }
    const bola = report.findings.find((f) => f.ruleId === 'bola.read-other-users-object');
    expect(bola?.curl).toContain('$GH_AUTH_USER2');
  });

  it('stays within its budgets and says how long it took', () => {
    expect(report.requests).toBeLessThanOrEqual(3000);
    expect(report.truncated).toBe(false);
    expect(report.durationMs).toBeLessThan(120_000);
  });
});
