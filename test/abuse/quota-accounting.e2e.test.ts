import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * "Quotas and limits count what they say" (docs/abuse-protection.md, "What counts"): a request
 * the gateway refuses before the upstream does not use quota, and a request refused by one limit
 * is not counted by the limits checked before it.
 */

const spec = fileURLToPath(new URL('./fixtures/quota.yaml', import.meta.url));
let upstream: TestUpstream & { release: () => void; held: () => number };
const open: StartedGateway[] = [];

beforeAll(async () => {
  const waiting: import('node:http').ServerResponse[] = [];
  const base = await startUpstream((req, res) => {
    if (req.url.startsWith('/api/slow')) { waiting.push(res); return; }
    json(res, 200, {});
  });
  upstream = Object.assign(base, {
    release: () => { for (const res of waiting.splice(0)) json(res, 200, {}); },
    held: () => waiting.length,
  });
});
afterEach(async () => {
  upstream.release();
  await Promise.all(open.splice(0).map((g) => g.close()));
});
afterAll(async () => {
  await upstream.close();
});

async function gatewayWith(policies: string): Promise<StartedGateway> {
  const gw = await startGateway(await scratchDir('gh-quota-'), configYaml({ spec, upstream: upstream.url, policies }));
  open.push(gw);
  return gw;
}

async function get(gw: StartedGateway, path: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(`${gw.url}${path}`, { headers });
  await res.arrayBuffer();
  return res;
}

/** The `r` (remaining) of one limit in a RateLimit header. */
function remaining(res: Response, name: string): number {
  const m = new RegExp(`"${name}";r=(\\d+)`).exec(res.headers.get('ratelimit') ?? '');
  if (m === null) throw new Error(`no "${name}" in RateLimit: ${res.headers.get('ratelimit') ?? '(none)'}`);
  return Number(m[1]);
}

describe('what a quota counts', () => {
  it('does not charge requests the contract refuses', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ name: daily, by: ip, quota: 3/day }] }');
    const { key } = await new ApiKeyStore(gw.gateway.services.store.kv).create({ name: 'reporting', scopes: [] });
    // Three invalid requests: a year the contract refuses.
    for (let i = 0; i < 3; i++) expect((await get(gw, '/api/reports/nineteen', { 'x-api-key': key })).status).toBe(400);
    // The full quota is still there for valid ones, and then it is enforced.
    for (let i = 0; i < 3; i++) expect((await get(gw, '/api/reports/2024', { 'x-api-key': key })).status).toBe(200);
    const over = await get(gw, '/api/reports/2024', { 'x-api-key': key });
    expect(over.status).toBe(429);
    expect(remaining(over, 'daily')).toBe(0);
    expect(upstream.requests.filter((r) => r.url === '/api/reports/2024')).toHaveLength(3);
  });

  it('does not charge requests authentication refuses', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ name: daily, by: ip, quota: 3/day }] }');
    const { key } = await new ApiKeyStore(gw.gateway.services.store.kv).create({ name: 'reporting', scopes: [] });
    expect((await get(gw, '/api/reports/2024')).status).toBe(401);
    expect((await get(gw, '/api/reports/2024', { 'x-api-key': 'gh_not_a_key' })).status).toBe(401);
    expect((await get(gw, '/api/reports/2024', { 'x-api-key': `${key}x` })).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await get(gw, '/api/reports/2024', { 'x-api-key': key })).status).toBe(200);
    expect((await get(gw, '/api/reports/2024', { 'x-api-key': key })).status).toBe(429);
  });
});

describe('limits refused by a later check', () => {
  it('gives a rate limit its unit back when a quota checked after it refuses', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ name: hourly, by: ip, rate: 100/h }, { name: daily, by: ip, quota: 2/day }] }');
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await get(gw, '/api/status'));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429, 429, 429, 429]);
    // Only the two requests that went through used the rate limit: 100 - 2 - 1 (this one).
    const next = await get(gw, '/api/status');
    expect(next.status).toBe(429);
    expect(remaining(next, 'hourly')).toBe(97);
  });

  it('gives a quota its unit back when a rate limit checked after it refuses', async () => {
    const gw = await gatewayWith([
      '      rateLimit:',
      '        limits:',
      '          - { name: daily, by: ip, quota: 10/day }',
      '          - { name: burst, by: ip, rate: 2/h, operations: [status] }',
    ].join('\n'));
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await get(gw, '/api/status'));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429, 429, 429]);
    // The slow operation is only under the quota: 10 - 2 (the requests that went through) - 1.
    const other = fetch(`${gw.url}/api/slow`);
    await expect.poll(() => upstream.held()).toBe(1);
    upstream.release();
    const res = await other;
    expect(res.status).toBe(200);
    expect(remaining(res, 'daily')).toBe(7);
  });

  it('gives every limit its unit back when the concurrency limit refuses', async () => {
    const gw = await gatewayWith([
      '      rateLimit: { limits: [{ name: hourly, by: ip, rate: 100/h }, { name: daily, by: ip, quota: 100/day }] }',
      '      concurrency: { perIp: 1 }',
    ].join('\n'));
    const held = fetch(`${gw.url}/api/slow`);
    await expect.poll(() => upstream.held()).toBe(1);
    // While one request is in flight, three more are refused by the concurrency limit.
    for (let i = 0; i < 3; i++) expect((await get(gw, '/api/status')).status).toBe(503);
    upstream.release();
    expect((await held).status).toBe(200);
    const next = await get(gw, '/api/status');
    expect(next.status).toBe(200);
    // The held request and this one: 100 - 2 on both, the three refused ones gave theirs back.
    expect(remaining(next, 'hourly')).toBe(98);
    expect(remaining(next, 'daily')).toBe(98);
  });

  it('still counts invalid requests against a rate limit, which exists to slow floods', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ name: hourly, by: ip, rate: 3/h }] }');
    const { key } = await new ApiKeyStore(gw.gateway.services.store.kv).create({ name: 'reporting', scopes: [] });
    for (let i = 0; i < 3; i++) expect((await get(gw, '/api/reports/nineteen', { 'x-api-key': key })).status).toBe(400);
    expect((await get(gw, '/api/reports/2024', { 'x-api-key': key })).status).toBe(429);
  });
});
