import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/anomaly/alert.js';
import { ALERT_STREAM } from '../../src/anomaly/dispatch.js';
import { loadSpec } from '../../src/openapi/index.js';
import { buildInventory, type InventoryReport } from '../../src/inventory/report.js';
import { readRows } from '../../src/inventory/rows.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startReceiver, type Receiver } from './receiver.js';

/**
 * Replays a recorded mix of traffic through a real gateway (SQLite store, real upstream, real
 * webhook receiver): normal use, shadow and zombie calls, an enumeration attack and a
 * credential-stuffing burst; then checks the inventory, the alerts and the automatic blocks.
 */
const spec = fileURLToPath(new URL('./fixtures/shop.yaml', import.meta.url));
const SECRET = 'whsec-0123456789abcdef';
const EMAIL = 'ann.secret@example.com';
const CARD = '4111 1111 1111 1111';
const PASSWORD = 'hunter2-very-secret';
const PHONE = '+47 912 34 567';
const NORMAL = '10.0.0.5';
const SCRAPER = '203.0.113.9';
const STUFFER = '198.51.100.7';

let upstream: TestUpstream;
let receiver: Receiver;
let gw: StartedGateway;
let dir: string;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const url = req.url;
    if (req.method === 'POST' && url === '/api/login') {
      const body = JSON.parse(req.body) as { password?: string };
      return body.password === 'right-password' ? json(res, 200, { ok: true }) : json(res, 401, {});
    }
    if (req.method === 'POST' && url === '/api/users') return json(res, 201, { id: 5 });
    if (url === '/api/reports/legacy') return json(res, 200, { rows: 3 });
    if (/^\/api\/users\/\d+\/orders\/\d+$/.test(url)) return json(res, 200, { orderId: 77, card: CARD });
    const user = /^\/api\/users\/(\d+)$/.exec(url);
    // Users 1..99 exist; a walk past them finds 404s, as a scraper guessing ids does.
    if (user !== null && Number(user[1]) < 100) return json(res, 200, { id: Number(user[1]), name: 'Ann', email: EMAIL, internalNote: 'vip' });
    return json(res, 404, {});
  });
  receiver = await startReceiver(SECRET);
  dir = await scratchDir('gh-inventory-');
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    `store: { sqlite: { path: ${path.join(dir, 'gatehouse.db')} } }`,
    'clientIp: { trustedHops: 1 }',
    'inventory: { sampleRate: 1, flushInterval: 100ms }',
    'monitoring:',
    `  alerts: [{ webhook: "${receiver.url}", secret: "${SECRET}" }]`,
    '  respond: { enumeration: block-ip, credentialStuffing: block-ip }',
    '  blockFor: 10m',
    '  detectors:',
    '    enumeration: { distinctIds: 10, window: 1m }',
    '    credentialStuffing: { failures: 10, window: 1m }',
    'apis:',
    '  - name: shop',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '    unmatched: passthrough',
  ].join('\n'));
});

afterAll(async () => {
  await gw.close();
  await receiver.close();
  await upstream.close();
});

function call(ip: string, method: string, p: string, body?: unknown): Promise<Response> {
  return fetch(`${gw.url}${p}`, {
    method,
    headers: { 'x-forwarded-for': ip, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function settle(): Promise<void> {
  await gw.gateway.monitoring?.flush();
}

async function storedAlerts(): Promise<Alert[]> {
  const records = await gw.gateway.services.store.records.query(ALERT_STREAM, { limit: 1000 });
  return records.map((r) => r.data as unknown as Alert);
}

describe('traffic replay through the gateway', () => {
  it('records normal traffic without raising any caller alert', async () => {
    expect((await call(NORMAL, 'GET', '/api/users/1')).status).toBe(200);
    expect((await call(NORMAL, 'GET', '/api/users/2')).status).toBe(200);
    expect((await call(NORMAL, 'POST', '/api/users', { name: 'Bob', phone: PHONE })).status).toBe(201);
    expect((await call(NORMAL, 'POST', '/api/login', { username: 'ann', password: 'right-password' })).status).toBe(200);
    expect((await call(NORMAL, 'POST', '/api/login', { username: 'ann', password: PASSWORD })).status).toBe(401);
    expect((await call(NORMAL, 'GET', '/api/reports/legacy')).status).toBe(200);
    expect((await call(NORMAL, 'GET', '/api/users/8812/orders/77')).status).toBe(200);
    expect((await call(NORMAL, 'GET', '/api/users/9/orders/12')).status).toBe(200);
    await settle();
    const types = (await storedAlerts()).map((a) => a.type).sort();
    // Shadow and zombie traffic are alerts about endpoints; nothing accuses the caller.
    expect(types).toEqual(['shadowTraffic', 'zombieTraffic']);
  });

  it('raises exactly one enumeration alert for an id walk, delivered signed, and blocks the scraper only', async () => {
    const before = receiver.alerts.length;
    for (let id = 100; id < 112; id++) await call(SCRAPER, 'GET', `/api/users/${id}`);
    await settle();
    const fresh = receiver.alerts.slice(before);
    expect(fresh.map((a) => a.type)).toEqual(['enumeration']);
    const alert = fresh[0] as Alert;
    expect(alert.runbook).toBe('docs/runbooks/enumeration.md');
    expect(alert.subject).toMatchObject({ kind: 'ip', ip: SCRAPER });
    expect(alert.evidence.count).toBeGreaterThanOrEqual(10);
    // Anonymous, ids walked in order, every one missing: sure enough for the automatic response.
    expect(alert.confidence).toBeGreaterThanOrEqual(0.8);
    expect(alert.evidence).toMatchObject({ anonymous: true, refusedShare: 1 });
    expect(alert.evidence.sampleRequestIds.length).toBeGreaterThan(0);
    expect(alert.response).toMatch(/^block-ip: block ip 203\.0\.113\.9/);
    expect(receiver.rejected).toBe(0);

    const blocked = await call(SCRAPER, 'GET', '/api/users/1');
    expect(blocked.status).toBe(403);
    expect((await blocked.json() as { code: string }).code).toBe('GH_BLOCKED');
    expect((await call(NORMAL, 'GET', '/api/users/1')).status).toBe(200);
  });

  it('raises exactly one credential-stuffing alert for a burst of failed logins and blocks that address', async () => {
    const before = receiver.alerts.length;
    for (let i = 0; i < 12; i++) await call(STUFFER, 'POST', '/api/login', { username: `user${i}`, password: `guess-${i}` });
    await settle();
    const fresh = receiver.alerts.slice(before);
    expect(fresh.map((a) => a.type)).toEqual(['credentialStuffing']);
    expect(fresh[0]?.runbook).toBe('docs/runbooks/credential-stuffing.md');
    expect(fresh[0]?.subject.ip).toBe(STUFFER);

    const next = await call(STUFFER, 'POST', '/api/login', { username: 'ann', password: 'right-password' });
    expect(next.status).toBe(403);
    const normal = await call(NORMAL, 'POST', '/api/login', { username: 'ann', password: 'right-password' });
    expect(normal.status).toBe(200);
  });

  it('finds the shadow path templated, the zombie, the unused operation, the drift field and the sensitive fields', async () => {
    await settle();
    const report: InventoryReport = buildInventory({
      apis: [{ config: { name: 'shop', owner: undefined, basePath: undefined }, spec: await loadSpec(spec) }],
      rows: await readRows(gw.gateway.services.store.records),
    });
    expect(report.shadow.map((s) => `${s.method} ${s.path} ${s.count}`)).toEqual(['GET /api/users/{id}/orders/{id} 2']);
    expect(report.shadow[0]?.callers).toEqual([`ip:${NORMAL}`]);
    expect(report.zombie.map((z) => `${z.operation} ${z.reason}`)).toEqual(['legacyReport deprecated']);
    expect(report.unused.map((u) => u.operation)).toEqual(['adminStats']);
    expect(report.drift.map((d) => `${d.operation} ${d.location} ${d.field}`)).toEqual(['getUser response internalNote']);
    const sensitive = report.sensitive.map((s) => `${s.operation ?? s.path} ${s.location}.${s.field}=${s.category}`).sort();
    expect(sensitive).toEqual([
      '/api/users/{id}/orders/{id} response.card=card',
      'createUser request.phone=phone',
      'getUser response.email=email',
      'login request.password=secret',
    ]);
    expect(report.operations.find((o) => o.operation === 'getUser')?.owner).toBe('identity-team');
    expect(report.unowned.map((o) => o.operation).sort()).toEqual(['adminStats', 'createUser', 'legacyReport', 'login']);
  });

  it('never stores or logs a sensitive value', async () => {
    await gw.close();
    const files = (await readdir(dir)).filter((f) => f.startsWith('gatehouse.db'));
    expect(files.length).toBeGreaterThan(0);
    const stored = (await Promise.all(files.map((f) => readFile(path.join(dir, f))))).map((b) => b.toString('latin1')).join('');
    expect(stored).toContain('internalNote'); // the store does hold the inventory...
    const logs = JSON.stringify(gw.logs);
    for (const value of [EMAIL, CARD, PASSWORD, PHONE, 'right-password', '912 34 567']) {
      expect(stored).not.toContain(value); // ...but never a value
      expect(logs).not.toContain(value);
    }
  });
});
