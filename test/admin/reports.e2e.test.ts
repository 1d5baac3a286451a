import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenStore } from '../../src/admin/tokens.js';
import { auditFiles } from '../../src/audit/index.js';
import { runAudit } from '../../src/cli/audit.js';
import { runScanCommand } from '../../src/cli/scan.js';
import { auditRecord, FINDINGS_STREAM, REPORT_STREAM, storeReport } from '../../src/reports/stored.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { SPEC_FILE, startVulnerableApi, type VulnerableApi } from '../targets/vulnerable-api.js';
import { adminClient } from './helpers.js';

/*
 * Reports kept with `gatehouse audit --store` and `gatehouse scan --store`, read back through the
 * admin API of a running gateway on each store engine: the command opens the store from the config
 * file itself (its own SQLite connection, its own Redis and PostgreSQL clients), as it does from
 * another process or machine, and the gateway reads what it wrote.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const auditSpec = path.join(repoRoot, 'test/audit/fixtures/rules/GH-AUTH-002/bad.yaml');
const shop = path.join(repoRoot, 'test/inventory/fixtures/shop.yaml');
const run = randomUUID().slice(0, 8);
const schema = `gh_reports_${run}`;
const prefix = `gh-reports-${run}:`;
// The credential the scan sends on every request: it must not reach the store.
let token = '';

const STORES: Record<string, (dir: string) => string> = {
  memory: () => '{ memory: {} }',
  sqlite: (dir) => `{ sqlite: { path: "${dir}/gh.db" } }`,
  redis: () => `{ redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}redis:" } }`,
  postgres: () => `{ postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: "${schema}" } }`,
  cluster: () => `{ cluster: { redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}cluster:" }, postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: "${schema}_cl" } } }`,
};

let target: VulnerableApi;
beforeAll(async () => {
  target = await startVulnerableApi({ flaws: 'all' });
  token = await target.token('alice');
});
afterAll(async () => {
  await target.close();
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  for (const s of [schema, `${schema}_cl`]) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

const quiet = () => {
  const err: string[] = [];
  return { err, audit: { cwd: repoRoot, color: false, write: () => undefined, error: (s: string) => { err.push(s); } }, scan: { color: false, stderr: { isTTY: false, write: () => true }, write: () => undefined, error: (s: string) => { err.push(s); } } };
};

describe.each(Object.keys(STORES))('stored reports on the %s store', (engine) => {
  let gw: StartedGateway;
  let configFile: string;
  let viewer = '';

  beforeAll(async () => {
    const dir = await scratchDir('gh-reports-');
    configFile = path.join(dir, 'gatehouse.yaml');
    gw = await startGateway(dir, [
      'version: "1"',
      'listen: { http: { host: 127.0.0.1, port: 0 } }',
      'admin: { host: 127.0.0.1, port: 0 }',
      `store: ${(STORES[engine] as (d: string) => string)(dir)}`,
      'apis:',
      '  - name: shop',
      `    spec: ${shop}`,
      `    upstream: { url: "${target.url}", timeout: 2s }`,
    ].join('\n'));
    viewer = (await new AdminTokenStore(gw.gateway.services.store.kv).create({ role: 'viewer', name: 'viewer-test', by: 'test' })).token;
  });
  afterAll(async () => { await gw.close(); });

  it('stores an audit and a scan from the command line, and the admin API lists them with totals by severity', async () => {
    const t = quiet();
    if (engine === 'memory') {
      // The CLI runs in its own process: a memory store there is not the gateway's. Refused, nothing run.
      expect(await runAudit([auditSpec], { store: true, config: configFile, failOn: 'none' }, t.audit)).toBe(2);
      expect(t.err.join('')).toMatch(/--store: .*the store is memory/);
      // A scan is refused before it sends anything: the target sees no request.
      let seen = 0;
      const count = () => { seen += 1; };
      target.server.on('request', count);
      expect(await runScanCommand({ spec: SPEC_FILE, target: target.url, checks: 'misconfig', store: true, config: configFile }, t.scan)).toBe(2);
      target.server.off('request', count);
      expect(seen).toBe(0);
      expect(t.err.at(-1)).toMatch(/^gatehouse scan: --store: .*the store is memory/);
      expect(await runAudit([auditSpec], { store: true, config: `${configFile}.missing` }, t.audit)).toBe(2);
      expect(t.err.at(-1)).toContain('.missing');
      // The gateway's own store takes the same record the CLI would write.
      await storeReport(gw.gateway.services.store.records, auditRecord(await auditFiles([auditSpec]), repoRoot));
    } else {
      expect(await runAudit([auditSpec], { store: true, config: configFile, failOn: 'none', format: 'json' }, t.audit)).toBe(0);
      expect(t.err.join('')).toMatch(/^stored report r-[0-9a-z]+-[0-9a-f]{10} \(\d+ finding\(s\)\) in the store of /m);
      const code = await runScanCommand({
        spec: SPEC_FILE, target: target.url, checks: 'inventory,misconfig', maxRequests: '200', failOn: 'none',
        auth: [`user1=Authorization:Bearer ${token}`], store: true, config: configFile,
      }, t.scan);
      expect(code, t.err.join('')).toBe(0);
    }

    const client = adminClient(gw.adminUrl, viewer);
    const list = await client.get('/reports');
    expect(list.status).toBe(200);
    const items = list.body.items as { id: string; kind: string; at: number; total: number; bySeverity: Record<string, number>; findingsOmitted: number }[];
    expect(items.map((i) => i.kind)).toEqual(engine === 'memory' ? ['audit'] : ['scan', 'audit']);
    const audit = items.find((i) => i.kind === 'audit');
    expect(audit?.bySeverity.high).toBeGreaterThan(0);
    expect(audit?.total).toBe(Object.values(audit?.bySeverity ?? {}).reduce((a, b) => a + b, 0));

    const one = await client.get(`/reports/${audit?.id ?? ''}`);
    expect(one.status).toBe(200);
    const counted = (one.body.findings as { ruleId: string; severity: string; muted?: string; where: string }[]).filter((f) => f.muted === undefined);
    expect(counted.length).toBe(audit?.total);
    expect(counted.filter((f) => f.severity === 'high').length).toBe(audit?.bySeverity.high);
    expect(counted.some((f) => f.ruleId === 'GH-AUTH-002' && f.where.startsWith('test/audit/fixtures/rules/GH-AUTH-002/bad.yaml#'))).toBe(true);

    expect((await client.get('/reports?kind=audit')).body.items).toHaveLength(1);
    expect((await client.get(`/reports/r-0-${'0'.repeat(10)}`)).status).toBe(404);
  });

  it.skipIf(engine === 'memory')('keeps the scan\'s findings with the credential redacted', async () => {
    const client = adminClient(gw.adminUrl, viewer);
    const [scan] = (await client.get('/reports?kind=scan')).body.items as { id: string; total: number; requests: number; subject: string }[];
    expect(scan?.requests).toBeGreaterThan(0);
    expect(scan?.subject).toContain(target.url);
    const one = await client.get(`/reports/${scan?.id ?? ''}`);
    expect(one.body.findings.length).toBeGreaterThan(0);
    expect(one.body.findings.some((f: { curl?: string }) => f.curl !== undefined)).toBe(true);
    expect(one.body.findings.some((f: { curl?: string }) => f.curl?.includes('$GH_AUTH_USER1'))).toBe(true);
    // Not only in the answer: nowhere in what the store holds, not even the signature alone.
    const records = gw.gateway.services.store.records;
    const held = JSON.stringify([await records.query(REPORT_STREAM), await records.query(FINDINGS_STREAM)]);
    expect(held).not.toContain(token);
    expect(held).not.toContain(token.split('.')[2]);
  });

  it('answers 401 without a token and 400 on an unknown kind', async () => {
    expect((await adminClient(gw.adminUrl, undefined).get('/reports')).status).toBe(401);
    expect((await adminClient(gw.adminUrl, 'gha_not-a-token').get('/reports')).status).toBe(401);
    expect((await adminClient(gw.adminUrl, viewer).get('/reports?kind=lint')).status).toBe(400);
  });
});
