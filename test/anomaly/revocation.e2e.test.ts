import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REVOCATION_AUDIT_STREAM } from '../../src/anomaly/revocations.js';
import { addRevocation, listRevocations, removeRevocation } from '../../src/cli/revocations.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * Two gateway instances share the real Redis (a unique prefix per run). A revocation added by
 * the CLI reaches both through pub/sub within a second; removing it lets the caller back in.
 */
const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));
const prefix = `gh-test-${randomUUID()}:`;
let upstream: TestUpstream;
let a: StartedGateway;
let b: StartedGateway;
let configFile: string;

function yaml(): string {
  return [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    `store: { redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}" } }`,
    'clientIp: { trustedHops: 1 }',
    'apis:',
    '  - name: shop',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
  ].join('\n');
}

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { id: 1, name: 'Ann' }));
  const dirA = await scratchDir('gh-revoke-a-');
  a = await startGateway(dirA, yaml());
  b = await startGateway(await scratchDir('gh-revoke-b-'), yaml());
  configFile = path.join(dirA, 'gatehouse.yaml');
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await upstream.close();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

function get(gw: StartedGateway, ip: string): Promise<Response> {
  return fetch(`${gw.url}/api/users/1`, { headers: { 'x-forwarded-for': ip } });
}

/** Polls until `check` holds (fan-out is asynchronous), failing after `ms`. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('revocations across gateway instances', () => {
  it('blocks an address on every instance within a second of `revocations add`, and leaves others alone', async () => {
    expect((await get(a, '203.0.113.50')).status).toBe(200);
    await addRevocation(configFile, 'ip', '203.0.113.50', { for: '10m', reason: 'test' });
    const took = await within(1000, async () => (await get(a, '203.0.113.50')).status === 403 && (await get(b, '203.0.113.50')).status === 403);
    expect(took).toBeLessThan(1000);
    const refused = await get(b, '203.0.113.50');
    expect(await refused.json()).toMatchObject({ code: 'GH_BLOCKED', status: 403 });
    expect((await get(a, '203.0.113.51')).status).toBe(200);
    expect((await get(b, '10.0.0.5')).status).toBe(200);
    expect((await listRevocations(configFile)).map((r) => `${r.kind} ${r.value} ${r.by.startsWith('cli') ? 'cli' : r.by}`)).toEqual(['ip 203.0.113.50 cli']);
  });

  it('lifts the block everywhere with `revocations remove`, and audits both steps', async () => {
    expect(await removeRevocation(configFile, 'ip', '203.0.113.50')).toBe(true);
    await within(1000, async () => (await get(a, '203.0.113.50')).status === 200 && (await get(b, '203.0.113.50')).status === 200);
    expect(await removeRevocation(configFile, 'ip', '203.0.113.50')).toBe(false);
    const audit = await a.gateway.services.store.records.query(REVOCATION_AUDIT_STREAM);
    expect(audit.map((r) => `${r.data.op as string} ${r.data.kind as string} ${r.data.value as string}`)).toEqual(['add ip 203.0.113.50', 'remove ip 203.0.113.50']);
  });

  it('blocks every address of a CIDR range, IPv4 and IPv6, and none outside it', async () => {
    await addRevocation(configFile, 'ip', '198.51.100.0/24', { for: '10m' });
    await addRevocation(configFile, 'ip', '2001:DB8:AB::/48', { for: '10m' });
    await within(1000, async () => b.gateway.monitoring?.revocations.find('ip', '2001:db8:ab::9') !== undefined && a.gateway.monitoring?.revocations.find('ip', '198.51.100.1') !== undefined);
    expect((await get(a, '198.51.100.77')).status).toBe(403);
    expect((await get(b, '2001:db8:ab:ff::1')).status).toBe(403);
    expect((await get(a, '198.51.101.77')).status).toBe(200);
    expect((await get(b, '2001:db8:ac::1')).status).toBe(200);
    expect(await removeRevocation(configFile, 'ip', '198.51.100.0/24')).toBe(true);
    expect(await removeRevocation(configFile, 'ip', '2001:db8:ab::/48')).toBe(true);
    await within(1000, async () => (await get(a, '198.51.100.77')).status === 200 && (await get(b, '2001:db8:ab:ff::1')).status === 200);
  });

  it('throttles instead of blocking when the revocation says so', async () => {
    await addRevocation(configFile, 'ip', '203.0.113.60', { for: '10m', throttle: 3 });
    await within(1000, async () => a.gateway.monitoring?.revocations.find('ip', '203.0.113.60') !== undefined);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(a, '203.0.113.60')).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect((await get(a, '10.0.0.5')).status).toBe(200);
    await removeRevocation(configFile, 'ip', '203.0.113.60');
  });
});
