import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportObservedSpec, ingestFiles, inventoryReport, registerInventory } from '../../src/cli/inventory.js';
import { formatInventory } from '../../src/inventory/format.js';
import { loadSpecFromString } from '../../src/openapi/index.js';
import { scratchDir } from '../helpers/gateway.js';

/*
 * Passive mode and the inventory commands on a real SQLite store: access logs of traffic that
 * never went through the gateway are matched against the spec and reported like gateway traffic.
 */
const spec = fileURLToPath(new URL('./fixtures/shop.yaml', import.meta.url));
let dir: string;
let config: string;

const NGINX = [
  '10.1.2.3 - - [10/Oct/2025:13:55:36 +0000] "GET /api/users/42 HTTP/1.1" 200 612 "-" "curl/8.0"',
  '10.1.2.3 - - [10/Oct/2025:13:55:37 +0000] "GET /api/users/43 HTTP/1.1" 200 611 "-" "curl/8.0"',
  '10.1.2.4 - ann [10/Oct/2025:13:56:00 +0200] "GET /api/reports/legacy HTTP/1.1" 200 90 "https://x.example/" "Mozilla/5.0"',
  '10.1.2.5 - - [10/Oct/2025:14:00:00 +0000] "DELETE /api/internal/cache/3f2504e0-4f89-11d3-9a0c-0305e82c3301?force=1 HTTP/1.1" 204 0 "-" "ops-script"',
  'this line is garbage',
  '',
].join('\n');

const HAR = JSON.stringify({
  log: {
    version: '1.2',
    entries: [{
      startedDateTime: '2025-10-10T15:00:00.000Z', time: 12,
      request: { method: 'POST', url: 'https://shop.example.com/api/users', bodySize: 60, postData: { mimeType: 'application/json', text: JSON.stringify({ name: 'Eve', phone: '+44 20 7946 0958', referrer: 'ads' }) } },
      response: { status: 201, bodySize: 9, content: { size: 9, mimeType: 'application/json', text: JSON.stringify({ id: 9, token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI5In0.c2ln' }) } },
    }, {
      startedDateTime: '2025-10-10T15:00:01.000Z', time: 8,
      request: { method: 'GET', url: 'https://shop.example.com/api/v0/export/all-customers-2024' },
      response: { status: 200, content: { size: 100000, mimeType: 'application/json', text: JSON.stringify([{ email: 'x@example.com', card: '5555 5555 5555 4444' }]) } },
    }],
  },
});

beforeAll(async () => {
  dir = await scratchDir('gh-inv-cli-');
  config = path.join(dir, 'gatehouse.yaml');
  await writeFile(config, ['version: "1"', 'store: { sqlite: { path: inventory.db } }', 'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:1" }'].join('\n'));
  await writeFile(path.join(dir, 'access.log'), NGINX);
  await writeFile(path.join(dir, 'session.har'), HAR);
});

describe('passive inventory from access logs', () => {
  it('parses NGINX combined lines and HAR entries, and reports the lines it could not read', async () => {
    const results = await ingestFiles(config, [path.join(dir, 'access.log'), path.join(dir, 'session.har')]);
    expect(results.map((r) => [r.result.lines, r.result.rows.length, r.result.skippedCount])).toEqual([[5, 3, 1], [2, 2, 0]]);
    expect(results[0]?.result.skipped).toEqual(['line 5: not in NGINX combined format']);
  });

  it('reports shadow, zombie, drift and sensitive fields from the ingested traffic', async () => {
    const report = await inventoryReport(config);
    expect(report.shadow.map((s) => `${s.method} ${s.path} ${s.source}`).sort()).toEqual([
      'DELETE /api/internal/cache/{id} nginx',
      'GET /api/v0/export/{slug} har',
    ]);
    expect(report.zombie.map((z) => z.operation)).toEqual(['legacyReport']);
    expect(report.operations.find((o) => o.operation === 'getUser')?.count).toBe(2);
    expect(report.drift.map((d) => `${d.operation} ${d.location}.${d.field}`).sort()).toEqual(['createUser request.referrer', 'createUser response.token']);
    expect(report.sensitive.map((s) => `${s.location}.${s.field}=${s.category}`).sort()).toEqual([
      'request.phone=phone', 'response.[].card=card', 'response.[].email=email', 'response.token=token',
    ]);
    const csv = formatInventory(report, 'csv');
    expect(csv.split('\n')[0]).toBe('kind,api,method,path,operation,owner,status,count,first_seen,last_seen,sensitive_fields,drift_fields');
    expect(csv).toContain('declared,shop,GET,/reports/legacy,legacyReport,,zombie:deprecated,1,');
    expect(csv).toContain('shadow,shop,DELETE,/api/internal/cache/{id},,,shadow,1,');
    expect(csv).not.toContain('5555');
    const text = formatInventory(report, 'text');
    expect(text).toContain('Shadow APIs');
    expect(text).toContain('identity-team');
    expect(JSON.parse(formatInventory(report, 'json'))).toMatchObject({ unused: [{ operation: 'login' }, { operation: 'adminStats' }] });
  });

  it('exports an OpenAPI 3.1 document the spec loader accepts, with inferred schemas and flagged sensitive fields', async () => {
    const doc = await exportObservedSpec(config, { shadowOnly: true });
    const loaded = loadSpecFromString(JSON.stringify(doc), path.join(dir, 'observed.json'));
    expect(loaded.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(loaded.operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(['DELETE /api/internal/cache/{cacheId}', 'GET /api/v0/export/{exportSlug}']);
    const exportOp = (doc.paths as Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>>)['/api/v0/export/{exportSlug}']?.get;
    expect(exportOp?.responses['200']?.content['application/json']?.schema).toEqual({
      type: 'array',
      items: { type: 'object', properties: { email: { type: 'string', 'x-gatehouse-sensitive': 'email' }, card: { type: 'string', 'x-gatehouse-sensitive': 'card' } } },
    });
    expect(JSON.stringify(doc)).not.toContain('x@example.com');
  });

  it('answers a bad --format with exit code 2 and a message', async () => {
    const program = new Command('gatehouse').exitOverride();
    registerInventory(program);
    const errors: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => { errors.push(chunk); return true; }) as typeof process.stderr.write;
    try {
      await program.parseAsync(['node', 'gatehouse', 'inventory', '--config', config, '--format', 'xml']);
    } finally {
      process.stderr.write = write;
    }
    expect(process.exitCode).toBe(2);
    process.exitCode = 0;
    expect(errors.join('')).toContain('--format must be one of text, json, csv');
  });
});
