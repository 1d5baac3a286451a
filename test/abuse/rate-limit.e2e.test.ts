import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { abuseGateway, burst, countStatus, okUpstream } from './helpers.js';

let upstream: TestUpstream;
const gateways: StartedGateway[] = [];

beforeAll(async () => { upstream = await okUpstream(); });
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await upstream.close();
});

async function gatewayWith(policies: string, extra?: string): Promise<StartedGateway> {
  const gw = await abuseGateway(upstream, policies, extra);
  gateways.push(gw);
  return gw;
}

describe('rate limits on the embedded store', () => {
  it('lets exactly the burst through when 40 requests arrive at once', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ by: ip, rate: 7/h }] }');
    const before = upstream.requests.length;
    const responses = await burst(40, () => fetch(`${gw.url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(7);
    expect(countStatus(responses, 429)).toBe(33);
    expect(upstream.requests.length - before).toBe(7);
  });

  it('answers a refusal with problem+json, Retry-After and the RateLimit fields', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ by: ip, rate: 2/min }] }');
    const first = await fetch(`${gw.url}/v1/items`);
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-policy')).toBe('"ip";q=2;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"ip";r=1;t=\d+$/);
    await fetch(`${gw.url}/v1/items`);
    const refused = await fetch(`${gw.url}/v1/items`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    const retry = Number(refused.headers.get('retry-after'));
    // 2/min refills one request every 30 s.
    expect(retry).toBeGreaterThanOrEqual(29);
    expect(retry).toBeLessThanOrEqual(30);
    expect(refused.headers.get('ratelimit')).toMatch(/^"ip";r=0;t=\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toBe('"ip";q=2;w=60');
    const body = await refused.json() as { code: string; status: number };
    expect(body).toMatchObject({ code: 'GH_RATE_LIMITED', status: 429 });
  });

  it('refuses when any applicable limit refuses, and scopes per-operation limits', async () => {
    const gw = await gatewayWith([
      '      rateLimit:',
      '        limits:',
      '          - { name: all, by: api, rate: 100/min }',
      '          - { name: reads, by: ip+operation, rate: 2/h, operations: [getItem] }',
    ].join('\n'));
    expect((await fetch(`${gw.url}/v1/items/a`)).status).toBe(200);
    const second = await fetch(`${gw.url}/v1/items/b`);
    expect(second.headers.get('ratelimit-policy')).toBe('"all";q=100;w=60, "reads";q=2;w=3600');
    expect(second.headers.get('ratelimit')).toMatch(/^"all";r=98;t=\d+, "reads";r=0;t=\d+$/);
    expect((await fetch(`${gw.url}/v1/items/c`)).status).toBe(429);
    // Another operation is only under the API-wide limit.
    const other = await fetch(`${gw.url}/v1/items`);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit-policy')).toBe('"all";q=100;w=60');
  });

  it('enforces a daily quota exactly and says when it resets', async () => {
    const gw = await gatewayWith('      rateLimit: { limits: [{ name: daily, by: ip, quota: 5/day }] }');
    const responses = await burst(12, () => fetch(`${gw.url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(5);
    const refused = responses.find((r) => r.status === 429);
    const secondsToMidnight = Math.ceil((86_400_000 - (Date.now() % 86_400_000)) / 1000);
    expect(Math.abs(Number(refused?.headers.get('retry-after')) - secondsToMidnight)).toBeLessThanOrEqual(2);
    expect(refused?.headers.get('ratelimit-policy')).toBe('"daily";q=5;w=86400');
    // Refused requests gave their unit back: still exactly 0 left, not negative, and still refused.
    const again = await fetch(`${gw.url}/v1/items`);
    expect(again.status).toBe(429);
    expect(again.headers.get('ratelimit')).toMatch(/^"daily";r=0;t=\d+$/);
  });

  it('records but does not refuse in monitor mode', async () => {
    const gw = await gatewayWith('      rateLimit: { mode: monitor, limits: [{ by: ip, rate: 1/h }] }');
    const responses = await burst(3, () => fetch(`${gw.url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(3);
    expect(gw.logs.some((l) => l.msg === 'monitor mode: would have refused' && l.code === 'GH_RATE_LIMITED')).toBe(true);
  });
});

describe('the client address behind proxies', () => {
  const limits = '      rateLimit: { limits: [{ by: ip, rate: 1/h }] }';

  it('ignores X-Forwarded-For by default: a client cannot pick its own bucket', async () => {
    const gw = await gatewayWith(limits);
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '1.1.1.1' } })).status).toBe(200);
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '2.2.2.2' } })).status).toBe(429);
  });

  it('takes the client from the trusted hop when one proxy is trusted', async () => {
    const gw = await gatewayWith(limits, 'clientIp: { trustedHops: 1 }');
    // The proxy appends the address it saw; whatever the client wrote before it is ignored.
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '9.9.9.9, 1.1.1.1' } })).status).toBe(200);
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '8.8.8.8, 1.1.1.1' } })).status).toBe(429);
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '2.2.2.2' } })).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers['x-forwarded-for']).toBe('2.2.2.2');
  });

  it('walks past trusted proxy ranges only', async () => {
    const gw = await gatewayWith(limits, 'clientIp: { trustedProxies: [127.0.0.0/8, 10.0.0.0/8] }');
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '7.7.7.7, 3.3.3.3, 10.1.2.3' } })).status).toBe(200);
    expect(upstream.requests.at(-1)?.headers['x-forwarded-for']).toBe('3.3.3.3');
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '6.6.6.6, 3.3.3.3' } })).status).toBe(429);
  });
});
