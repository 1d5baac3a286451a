import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminTokenStore } from '../../src/admin/tokens.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { adminClient } from './helpers.js';

/*
 * The admin API against a real gateway on each store engine: roles, blocks that the data plane
 * applies at once, keys, alerts, the decision trail of admin writes, and the attacks on it.
 */
const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));
const run = randomUUID().slice(0, 8);
const prefix = `gh-admin-${run}:`;
const schema = `gh_admin_${run}`;

const STORES: Record<string, (dir: string) => string> = {
  memory: () => '{ memory: {} }',
  sqlite: (dir) => `{ sqlite: { path: "${dir}/gh.db" } }`,
  redis: () => `{ redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}redis:" } }`,
  postgres: () => `{ postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: "${schema}_pg" } }`,
  cluster: () => `{ cluster: { redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}cluster:" }, postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: "${schema}_cl" } } }`,
};

let upstream: TestUpstream;

beforeAll(async () => {
  // User 1 exists, others answer 404: a walk over ids is then an enumeration the detector is sure of.
  upstream = await startUpstream((req, res) => /\/users\/(?!1\b)\d+/.test(req.url) ? json(res, 404, { error: 'no such user' }) : json(res, 200, { id: 1, name: 'Ann' }));
});

afterAll(async () => {
  await upstream.close();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  for (const s of [`${schema}_pg`, `${schema}_cl`]) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await client.end();
});

function yaml(store: string): string {
  return [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    `store: ${store}`,
    'clientIp: { trustedHops: 1 }',
    'apis:',
    '  - name: shop',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
  ].join('\n');
}

describe.each(Object.keys(STORES))('admin API on the %s store', (engine) => {
  let gw: StartedGateway;
  const tokens: Record<'viewer' | 'operator' | 'admin', string> = { viewer: '', operator: '', admin: '' };

  beforeAll(async () => {
    const dir = await scratchDir('gh-admin-');
    gw = await startGateway(dir, yaml((STORES[engine] as (d: string) => string)(dir)));
    const store = new AdminTokenStore(gw.gateway.services.store.kv);
    for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = (await store.create({ role, name: `${role}-test`, by: 'test' })).token;
  });

  afterAll(async () => {
    await gw.close();
  });

  const get = (ip: string) => fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': ip } });

  it('tells each token its role and reads the serving config', async () => {
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      const who = await adminClient(gw.adminUrl, tokens[role]).get('/whoami');
      expect(who).toMatchObject({ status: 200, body: { role } });
    }
    const config = await adminClient(gw.adminUrl, tokens.viewer).get('/config');
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({ ok: true, version: '1' });
    expect(config.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const reloads = await adminClient(gw.adminUrl, tokens.viewer).get('/config/reloads');
    expect(reloads.body.items.length).toBeGreaterThanOrEqual(1);
  });

  it('an operator blocks an address, the next request from it is refused, and unblocking lets it in', async () => {
    const op = adminClient(gw.adminUrl, tokens.operator);
    expect((await get('203.0.113.9')).status).toBe(200);
    const added = await op.post('/revocations', { kind: 'ip', value: '203.0.113.9', reason: 'test block', forSeconds: 600 });
    expect(added.status).toBe(201);
    expect(added.body.by).toMatch(/^admin:admin-token:[0-9a-f]{16} \(operator-test\)$/);
    const refused = await get('203.0.113.9');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'GH_BLOCKED' });
    expect((await get('203.0.113.10')).status).toBe(200);
    const listed = await adminClient(gw.adminUrl, tokens.viewer).get('/revocations');
    expect(listed.body.items.map((r: { value: string }) => r.value)).toContain('203.0.113.9');
    const removed = await op.delete('/revocations?kind=ip&value=203.0.113.9');
    expect(removed).toMatchObject({ status: 200, body: { removed: true } });
    expect((await get('203.0.113.9')).status).toBe(200);
  });

  it('refuses writes from a viewer (403), and records who tried in the decision trail', async () => {
    const viewer = adminClient(gw.adminUrl, tokens.viewer);
    const refused = await viewer.post('/revocations', { kind: 'ip', value: '198.51.100.1' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('GH_AUTHZ_FORBIDDEN');
    expect((await get('198.51.100.1')).status).toBe(200);
    expect((await adminClient(gw.adminUrl, tokens.operator).post('/keys', { name: 'ci' })).status).toBe(403);
    const trail = await viewer.get('/decisions?api=admin&limit=50');
    const mine = trail.body.items.filter((d: { identity: string }) => d.identity.includes('viewer-test'));
    expect(mine[0]).toMatchObject({ api: 'admin', operation: 'addRevocation', decision: 'deny', rule: 'role:operator', code: 'GH_AUTHZ_FORBIDDEN' });
    const allowed = trail.body.items.find((d: { operation: string; decision: string }) => d.operation === 'addRevocation' && d.decision === 'allow');
    expect(allowed.identity).toContain('operator-test');
    expect(allowed.reason).toContain('203.0.113.9');
  });

  it('an admin creates, lists, rotates and revokes API keys; no listing shows a secret or a hash', async () => {
    const admin = adminClient(gw.adminUrl, tokens.admin);
    const created = await admin.post('/keys', { name: 'billing', scopes: ['orders:read'] });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    const rotated = await admin.post(`/keys/${created.body.info.id as string}/rotate`, { overlapSeconds: 0 });
    expect(rotated.status).toBe(201);
    const listed = await adminClient(gw.adminUrl, tokens.viewer).get('/keys');
    const text = JSON.stringify(listed.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain(rotated.body.key as string);
    expect(text).not.toMatch(/"hash"/);
    expect((await admin.post(`/keys/${rotated.body.info.id as string}/revoke`)).body).toEqual({ revoked: true });
    expect((await admin.post('/keys/nope/revoke')).status).toBe(404);
  });

  it('refuses no token, a forged token and a revoked token with 401', async () => {
    expect((await adminClient(gw.adminUrl, undefined).get('/whoami')).status).toBe(401);
    const forged = tokens.viewer.slice(0, -4) + (tokens.viewer.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const f = await adminClient(gw.adminUrl, forged).get('/whoami');
    expect(f.status).toBe(401);
    expect(f.headers.get('www-authenticate')).toContain('Bearer');
    const store = new AdminTokenStore(gw.gateway.services.store.kv);
    const { token, info } = await store.create({ role: 'operator', name: 'leaving', by: 'test' });
    expect((await adminClient(gw.adminUrl, token).get('/whoami')).status).toBe(200);
    expect(await store.revoke(info.id, 'test')).toBe(true);
    expect((await adminClient(gw.adminUrl, token).post('/revocations', { kind: 'ip', value: '192.0.2.1' })).status).toBe(401);
    const listed = await store.list();
    expect(listed.find((t) => t.id === info.id)).toMatchObject({ status: 'revoked', revokedBy: 'test' });
    expect(JSON.stringify(listed)).not.toContain(token);
  });
});

describe('admin API across a cluster of two gateways', () => {
  let a: StartedGateway;
  let b: StartedGateway;
  let operator: string;

  beforeAll(async () => {
    const store = `{ cluster: { redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}pair:" }, postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: "${schema}_pair" } } }`;
    const withDetector = (text: string) => text.replace('apis:', 'monitoring:\n  detectors:\n    enumeration: { distinctIds: 5, window: 1m }\napis:');
    a = await startGateway(await scratchDir('gh-admin-a-'), withDetector(yaml(store)));
    b = await startGateway(await scratchDir('gh-admin-b-'), withDetector(yaml(store)));
    operator = (await new AdminTokenStore(a.gateway.services.store.kv).create({ role: 'operator', name: 'pair', by: 'test' })).token;
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}_pair" CASCADE`);
    await client.end();
  });

  it('a token made on one gateway works on the other, a block made on one is enforced by the other, and each sees the alerts of both', async () => {
    expect((await adminClient(b.adminUrl, operator).get('/whoami')).status).toBe(200);
    expect((await adminClient(a.adminUrl, operator).post('/revocations', { kind: 'ip', value: '203.0.113.40' })).status).toBe(201);
    await expect.poll(async () => (await fetch(`${b.url}/api/users/1`, { headers: { 'x-forwarded-for': '203.0.113.40' } })).status, { timeout: 2000 }).toBe(403);
    expect((await adminClient(b.adminUrl, operator).get('/revocations')).body.items.map((r: { value: string }) => r.value)).toContain('203.0.113.40');
    for (let id = 1; id <= 6; id++) await fetch(`${b.url}/api/users/${id}`, { headers: { 'x-forwarded-for': '198.51.100.80' } });
    await expect.poll(async () => (await adminClient(a.adminUrl, operator).get('/alerts')).body.items.length, { timeout: 5000 }).toBe(1);
    expect((await adminClient(a.adminUrl, operator).get('/config/reloads')).body.items.length).toBe(2);
  });
});
