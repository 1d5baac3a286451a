import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskConfigText } from '../../src/admin/mask.js';
import { AdminTokenStore } from '../../src/admin/tokens.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { adminClient } from './helpers.js';

/*
 * Attacks on the admin API (cross-origin writes, contract violations, secrets in the config
 * output, token guessing) and its live side: an alert raised by traffic reaches the event
 * stream, and an operator acknowledges it.
 */
const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));
const SECRET = 'adm1n-t0ken-from-the-environment-xyz';
let upstream: TestUpstream;
let gw: StartedGateway;
let operator: string;
let viewer: string;

beforeAll(async () => {
  process.env.GH_ADMIN_SECURITY_TEST_TOKEN = SECRET;
  // User 1 exists, others answer 404: a walk over ids is then an enumeration the detector is sure of.
  upstream = await startUpstream((req, res) => /\/users\/(?!1\b)\d+/.test(req.url) ? json(res, 404, { error: 'no such user' }) : json(res, 200, { id: 1, name: 'Ann' }));
  const dir = await scratchDir('gh-admin-sec-');
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0, auth: { token: "${secret:env:GH_ADMIN_SECURITY_TEST_TOKEN}" } }',
    `store: { sqlite: { path: "${dir}/gh.db" } }`,
    'clientIp: { trustedHops: 1 }',
    'monitoring:',
    '  detectors:',
    '    enumeration: { distinctIds: 5, window: 1m }',
    'apis:',
    '  - name: shop',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '    policies:',
    '      rateLimit:',
    '        limits:',
    '          - { name: per-ip, by: ip, rate: 100/min, burst: 10 }',
    '          - { name: daily, by: ip, quota: 1000/day }',
  ].join('\n'));
  const store = new AdminTokenStore(gw.gateway.services.store.kv);
  operator = (await store.create({ role: 'operator', name: 'oncall', by: 'test' })).token;
  viewer = (await store.create({ role: 'viewer', name: 'dashboard', by: 'test' })).token;
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  delete process.env.GH_ADMIN_SECURITY_TEST_TOKEN;
});

describe('admin API attacks', () => {
  it('refuses a write from another origin, and from a cross-site fetch, with the right token', async () => {
    const body = { kind: 'ip', value: '203.0.113.77' };
    const cross = await adminClient(gw.adminUrl, operator, { origin: 'https://evil.example' }).post('/revocations', body);
    expect(cross.status).toBe(403);
    expect(cross.body.detail).toContain('another origin');
    const site = await adminClient(gw.adminUrl, operator, { 'sec-fetch-site': 'cross-site' }).post('/revocations', body);
    expect(site.status).toBe(403);
    expect((await adminClient(gw.adminUrl, viewer).get('/revocations')).body.items).toEqual([]);
    // The legitimate twin: the console's own origin.
    const same = await adminClient(gw.adminUrl, operator, { origin: gw.adminUrl, 'sec-fetch-site': 'same-origin' }).post('/revocations', body);
    expect(same.status).toBe(201);
  });

  it('holds requests to its contract: unknown fields, unknown parameters, wrong types, wrong media type, unknown paths', async () => {
    const op = adminClient(gw.adminUrl, operator);
    expect((await op.post('/revocations', { kind: 'ip', value: '192.0.2.5', by: 'auto' })).body.code).toBe('GH_CONTRACT_UNKNOWN_FIELD');
    expect((await op.post('/revocations', { kind: 'mac', value: 'x' })).body.code).toBe('GH_CONTRACT_BODY_INVALID');
    expect((await op.post('/revocations', { kind: 'ip', value: 'not-an-address' })).status).toBe(400);
    expect((await op.get('/alerts?limit=0')).body.code).toBe('GH_CONTRACT_PARAMETER_INVALID');
    expect((await op.get('/alerts?debug=1')).body.code).toBe('GH_CONTRACT_PARAMETER_INVALID');
    expect((await op.get('/nothing-here')).status).toBe(404);
    expect((await op.delete('/keys')).status).toBe(405);
    const form = await fetch(`${gw.adminUrl}/admin/api/v1/revocations`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'kind=ip&value=192.0.2.6' });
    expect(form.status).toBe(415);
    const dup = await fetch(`${gw.adminUrl}/admin/api/v1/revocations`, { method: 'POST', headers: { authorization: `Bearer ${operator}`, 'content-type': 'application/json' }, body: '{"kind":"ip","value":"192.0.2.7","value":"192.0.2.8"}' });
    expect((await dup.json() as { code: string }).code).toBe('GH_REQUEST_AMBIGUOUS');
    // Refused writes are in the decision trail too, with who sent them.
    const trail = await adminClient(gw.adminUrl, viewer).get('/decisions?api=admin&decision=deny&limit=100');
    expect(trail.body.items.map((d: { code: string }) => d.code)).toEqual(expect.arrayContaining(['GH_CONTRACT_UNKNOWN_FIELD', 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', 'GH_REQUEST_AMBIGUOUS']));
    expect(trail.body.items.every((d: { identity: string }) => d.identity.includes('oncall'))).toBe(true);
  });

  it('never shows a secret in the config output, and admin.auth.token still authenticates as admin', async () => {
    const admin = adminClient(gw.adminUrl, SECRET);
    expect((await admin.get('/whoami')).body).toEqual({ id: 'admin.auth.token', role: 'admin' });
    const config = await admin.get('/config');
    const text = JSON.stringify(config.body);
    expect(config.body.text).toContain('${secret:env:GH_ADMIN_SECURITY_TEST_TOKEN}');
    expect(text).not.toContain(SECRET);
    expect(JSON.stringify((await admin.get('/config/reloads')).body)).not.toContain(SECRET);
  });

  it('masks literal credentials, connection-URL passwords and resolved secret values', () => {
    const text = 'store: { postgres: { url: "postgres://gh:s3cretpass@db/gh" } }\nvault: { token: hvs.literal-token }\nother: "embedded adm1n-t0ken-from-the-environment-xyz"\nref: { token: "${secret:vault-token}" }\n';
    const masked = maskConfigText(text, [SECRET]);
    expect(masked).not.toContain('s3cretpass');
    expect(masked).not.toContain('hvs.literal-token');
    expect(masked).not.toContain(SECRET);
    expect(masked).toContain('${secret:vault-token}');
    expect(masked).toContain('postgres://gh:********@db/gh');
    // The masking policy's HMAC key, written out: with it a viewer could reverse the hashes.
    expect(maskConfigText('masking: { hashKey: k3y-for-the-hmac-0123 }\n', [])).not.toContain('k3y-for-the-hmac-0123');
  });

  it('rate-limits failed authentications per address (429 after a burst), while good tokens from elsewhere pass', async () => {
    const ip = '127.0.0.1';
    let last = 0;
    for (let i = 0; i < 12; i++) last = (await adminClient(gw.adminUrl, `gha_${'0'.repeat(16)}_${'A'.repeat(43)}`).get('/whoami')).status;
    expect(last).toBe(429);
    // The same address with a good token is refused too while the bucket is empty: a guesser cannot interleave.
    expect((await adminClient(gw.adminUrl, viewer).get('/whoami')).status).toBe(429);
    await gw.gateway.services.store.counters.reset(`admin-auth-failures:${ip}`);
    expect((await adminClient(gw.adminUrl, viewer).get('/whoami')).status).toBe(200);
  });
});

describe('admin API live', () => {
  it('streams an alert raised by traffic, and an operator acknowledges it', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.adminUrl}/admin/api/v1/events`, { headers: { authorization: `Bearer ${viewer}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    // Enumeration: one address walks six user ids.
    for (let id = 1; id <= 6; id++) await fetch(`${gw.url}/api/users/${id}`, { headers: { 'x-forwarded-for': '198.51.100.66' } });
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('event: alert')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    controller.abort();
    const line = text.split('\n').find((l, i, all) => all[i - 1] === 'event: alert' && l.startsWith('data: ')) as string;
    const alert = JSON.parse(line.slice(6)) as { id: string; type: string };
    expect(alert.type).toBe('enumeration');
    expect((await adminClient(gw.adminUrl, viewer).post(`/alerts/${alert.id}/acknowledge`, {})).status).toBe(403);
    const ack = await adminClient(gw.adminUrl, operator).post(`/alerts/${alert.id}/acknowledge`, { note: 'looking' });
    expect(ack.body).toMatchObject({ id: alert.id, state: 'acknowledged', note: 'looking' });
    expect(ack.body.by).toContain('oncall');
    const listed = await adminClient(gw.adminUrl, viewer).get('/alerts?state=acknowledged');
    expect(listed.body.items.map((a: { id: string }) => a.id)).toEqual([alert.id]);
    expect((await adminClient(gw.adminUrl, operator).post('/alerts/no-such-alert/resolve')).status).toBe(404);
    const runbook = await adminClient(gw.adminUrl, viewer).get('/runbooks/enumeration');
    expect(runbook.body.text).toMatch(/^# /);
    expect((await adminClient(gw.adminUrl, viewer).get('/runbooks/no-such-runbook')).status).toBe(404);
    // Only a plain name reaches the folder: a traversal is refused by the contract.
    expect((await adminClient(gw.adminUrl, viewer).get('/runbooks/..%2F..%2Fpackage')).status).toBe(400);
  });

  it('streams a reload as it happens, without the config text', async () => {
    const controller = new AbortController();
    const res = await fetch(`${gw.adminUrl}/admin/api/v1/events`, { headers: { authorization: `Bearer ${viewer}` }, signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect((await gw.gateway.reload()).ok).toBe(true);
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('event: reload')) text += decoder.decode((await reader.read()).value);
    controller.abort();
    const data = text.split('\n').find((_l, i, all) => all[i - 1] === 'event: reload') as string;
    const reload = JSON.parse(data.slice(6)) as Record<string, unknown>;
    expect(reload).toMatchObject({ ok: true });
    expect(reload).not.toHaveProperty('text');
    expect((await adminClient(gw.adminUrl, viewer).get('/config/reloads')).body.items.length).toBeGreaterThanOrEqual(2);
  });

  it('ends the event stream of an admin token once it is revoked', async () => {
    const store = new AdminTokenStore(gw.gateway.services.store.kv);
    const made = await store.create({ role: 'viewer', name: 'screen', by: 'test' });
    const res = await fetch(`${gw.adminUrl}/admin/api/v1/events`, { headers: { authorization: `Bearer ${made.token}` } });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    expect(await store.revoke(made.info.id, 'test')).toBe(true);
    // The next poll (every second) finds the token revoked and ends the stream.
    let done = false;
    while (!done) done = (await reader.read()).done;
    expect(done).toBe(true);
    expect((await adminClient(gw.adminUrl, made.token).get('/overview')).status).toBe(401);
  });

  it('tells where one caller stands against each limit, without taking from it', async () => {
    for (let i = 0; i < 3; i++) await fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': '192.0.2.33' } });
    const read = () => adminClient(gw.adminUrl, viewer).get('/limits?ip=192.0.2.33');
    const first = await read();
    expect(first.body.items).toEqual([
      expect.objectContaining({ api: 'shop', limit: 'per-ip', type: 'rate', max: 10, remaining: 7 }),
      expect.objectContaining({ api: 'shop', limit: 'daily', type: 'quota', max: 1000, remaining: 997 }),
    ]);
    // Reading twice takes nothing.
    expect((await read()).body.items.map((l: { remaining: number }) => l.remaining)).toEqual([7, 997]);
    expect((await adminClient(gw.adminUrl, viewer).get('/limits')).status).toBe(400);
  });

  it('serves the contract it enforces, without credentials', async () => {
    const res = await fetch(`${gw.adminUrl}/admin/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { openapi: string }).openapi).toBe('3.1.0');
  });
});
