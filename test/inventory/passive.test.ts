import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles, inventoryReport } from '../../src/cli/inventory.js';
import { scratchDir } from '../helpers/gateway.js';

/*
 * Passive inventory on a real SQLite store, for what the report must get right about the traffic
 * it was given: which version a call belongs to, when it happened, and who made it.
 */
const SPEC = `openapi: 3.0.3
info: { title: Accounts, version: "2.1.0" }
servers: [{ url: /api }]
paths:
  /v2/users:
    get: { operationId: listUsers, responses: { "200": { description: ok } } }
  /v2/users/{id}:
    get:
      operationId: getUser
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { "200": { description: ok } }
  /v1/reports/{id}:
    get:
      operationId: legacyReport
      parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
      responses: { "200": { description: ok } }
  /health:
    get: { operationId: health, responses: { "200": { description: ok } } }
`;

async function project(): Promise<{ dir: string; config: string }> {
  const dir = await scratchDir('gh-inv-passive-');
  await writeFile(path.join(dir, 'accounts.yaml'), SPEC);
  const config = path.join(dir, 'gatehouse.yaml');
  await writeFile(config, ['version: "1"', 'store: { sqlite: { path: inv.db } }', 'apis:', '  - { name: accounts, spec: accounts.yaml, upstream: { url: "http://127.0.0.1:1" } }'].join('\n'));
  return { dir, config };
}

/** An NGINX combined line at `ms` (written in +0200, as a server in Paris logs in summer). */
function nginxLine(ms: number, method: string, target: string, ip = '10.0.0.7'): string {
  const d = new Date(ms + 2 * 3_600_000);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  const time = `${p(d.getUTCDate())}/${months[d.getUTCMonth()] ?? ''}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0200`;
  return `${ip} - - [${time}] "${method} ${target} HTTP/1.1" 200 10 "-" "curl/8.0"`;
}

describe('inventory: older API versions', () => {
  it('reports /v1 traffic beside a declared /v2 as zombie, declared or not, and leaves the current version alone', async () => {
    const { dir, config } = await project();
    const now = Date.now();
    await writeFile(path.join(dir, 'access.log'), [
      nginxLine(now, 'GET', '/api/v1/users/42'),
      nginxLine(now, 'GET', '/api/v1/users/43'),
      nginxLine(now, 'GET', '/api/v1/reports/9'),
      nginxLine(now, 'GET', '/api/v2/users/42'),
      nginxLine(now, 'GET', '/api/v2/users'),
      nginxLine(now, 'GET', '/api/internal/flags'),
      nginxLine(now, 'GET', '/api/health'),
    ].join('\n'));
    await ingestFiles(config, [path.join(dir, 'access.log')]);
    const report = await inventoryReport(config);
    expect(report.zombie.map((z) => `${z.method} ${z.path} ${z.reason} ${z.declared ? 'declared' : 'undeclared'} ${z.count}`).sort()).toEqual([
      'GET /api/v1/users/{id} older-version undeclared 2',
      'GET /v1/reports/{id} older-version declared 1',
    ]);
    expect(report.shadow.map((s) => `${s.method} ${s.path}`)).toEqual(['GET /api/internal/flags']);
    expect(report.operations.filter((o) => o.count > 0).map((o) => o.operation).sort()).toEqual(['getUser', 'health', 'legacyReport', 'listUsers']);
  });
});

describe('inventory --since on ingested logs', () => {
  it('filters by the time each request was logged, not by when the log was ingested', async () => {
    const { dir, config } = await project();
    const now = Date.now();
    const hour = 3_600_000;
    await writeFile(path.join(dir, 'access.log'), [
      nginxLine(now - 72 * hour, 'GET', '/api/v2/users'),
      nginxLine(now - 71 * hour, 'GET', '/api/v2/users'),
      nginxLine(now - 70 * hour, 'GET', '/api/old/export'),
      nginxLine(now - 2 * hour, 'GET', '/api/v2/users'),
    ].join('\n'));
    await ingestFiles(config, [path.join(dir, 'access.log')]);
    const recent = await inventoryReport(config, { since: '24h' });
    expect(recent.operations.find((o) => o.operation === 'listUsers')?.count).toBe(1);
    expect(recent.shadow).toEqual([]);
    const all = await inventoryReport(config, { since: '7d' });
    expect(all.operations.find((o) => o.operation === 'listUsers')?.count).toBe(3);
    expect(all.shadow.map((s) => s.path)).toEqual(['/api/old/export']);
  });
});

describe('inventory from HAR files', () => {
  const har = (headers: { name: string; value: string }[]): string => JSON.stringify({
    log: {
      version: '1.2', creator: { name: 'Firefox', version: '128' },
      entries: [{
        startedDateTime: new Date().toISOString(), time: 5, serverIPAddress: '192.0.2.10',
        request: { method: 'GET', url: 'https://accounts.example.com/api/internal/flags', headers },
        response: { status: 200, content: { size: 2, mimeType: 'application/json', text: '{}' } },
      }],
    },
  });

  it('names the client as the caller, never the server host or address', async () => {
    const { dir, config } = await project();
    await writeFile(path.join(dir, 'browser.har'), har([{ name: 'Accept', value: '*/*' }]));
    await writeFile(path.join(dir, 'proxy.har'), har([{ name: 'X-Forwarded-For', value: '198.51.100.23, 10.0.0.2' }]));
    await ingestFiles(config, [path.join(dir, 'browser.har'), path.join(dir, 'proxy.har')]);
    const callers = (await inventoryReport(config)).shadow[0]?.callers ?? [];
    expect(callers.sort()).toEqual(['har:browser.har', 'ip:198.51.100.23']);
    expect(callers.join(' ')).not.toMatch(/example\.com|192\.0\.2\.10/);
  });
});
