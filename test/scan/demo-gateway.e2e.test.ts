/**
 * The demo API behind the Gatehouse gateway: what the gateway protects (undeclared response
 * fields, mass assignment, stack traces, shadow paths) must come back clean, while the same scan
 * straight at the sample API finds those flaws — so the clean result is the gateway's doing.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '../../src/demo/run.js';
import { demoFile } from '../../src/demo/paths.js';
import { formatReport, runScan, type ScanReport } from '../../src/scan/index.js';

/** Rules the demo gateway configuration defends against (contract: enforce, unknownFields: reject, responses: strip). */
const PROTECTED = ['exposure.', 'mass-assignment.', 'misconfig.verbose-error', 'inventory.undeclared-path', 'fuzz.response-schema'];
const protectedFindings = (r: ScanReport): string[] =>
  r.findings.filter((f) => f.kind === 'finding' && PROTECTED.some((p) => f.ruleId.startsWith(p))).map((f) => `${f.ruleId} ${f.operation ?? ''}`);

describe('gatehouse scan of the demo API', () => {
  let demo: Demo;
  let gateway: ScanReport;
  let direct: ScanReport;
  beforeAll(async () => {
    demo = await startDemo({ port: 0, adminPort: 0, logLevel: 'silent' });
    const options = { spec: demoFile('openapi.yaml'), seed: 3, maxRequests: 1500, maxTimeMs: 60_000, tuning: { delaySeconds: 1 } };
    gateway = await runScan({ ...options, target: demo.gatewayUrl });
    direct = await runScan({ ...options, target: demo.sample.url });
    if (process.env.SCAN_REPORT_DIR !== undefined) {
      writeFileSync(`${process.env.SCAN_REPORT_DIR}/demo-gateway.txt`, formatReport(gateway, 'text'));
      writeFileSync(`${process.env.SCAN_REPORT_DIR}/demo-direct.txt`, formatReport(direct, 'text'));
    }
  }, 180_000);
  afterAll(async () => {
    await demo.close();
  });

  it('is clean behind the gateway where the gateway protects it', () => {
    expect(protectedFindings(gateway)).toEqual([]);
    expect(gateway.coverage.filter((c) => c.state === 'reached').length).toBeGreaterThanOrEqual(4);
  });

  it('gets past its own credential proof with the demo user\'s token: the proof reads that user\'s own orders', async () => {
    // The token's sub is 1; objectAuth lets it read /users/1/orders only. The scan must use that id.
    const report = await runScan({
      spec: demoFile('openapi.yaml'), target: demo.gatewayUrl, seed: 3, maxRequests: 300, checks: ['auth', 'bfla'],
      identities: [{ name: 'user', header: 'Authorization', value: `Bearer ${demo.tokens.user}` }],
    });
    expect(report.coverage.find((c) => c.operation === 'listUserOrders')?.state).toBe('reached');
    expect(report.findings.filter((f) => f.kind === 'finding' && f.severity !== 'low')).toEqual([]);
  }, 60_000);

  it('finds the same flaws when the sample API is scanned without the gateway', () => {
    const found = protectedFindings(direct).map((s) => s.split(' ')[0]);
    expect(found).toEqual(expect.arrayContaining(['exposure.undeclared-field', 'mass-assignment.accepted', 'misconfig.verbose-error', 'inventory.undeclared-path']));
  });
});
