import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import { Redis } from 'ioredis';
import { abuseGateway, burst, countStatus, heldBurst, holdingUpstream } from './helpers.js';

/*
 * Rate limits on the real Redis. The shared server on 6379 is used with a unique key prefix per
 * run; the outage test starts (and kills) its own redis-server on a free port.
 */

let upstream: Awaited<ReturnType<typeof holdingUpstream>>;
const gateways: StartedGateway[] = [];
const children: ChildProcess[] = [];
const prefixes: string[] = [];

function newPrefix(): string {
  const prefix = `gh-test-${randomUUID()}:`;
  prefixes.push(prefix);
  return prefix;
}

beforeAll(async () => { upstream = await holdingUpstream(); });
afterAll(async () => {
  upstream.release();
  await Promise.all(gateways.map((g) => g.close()));
  // Leave nothing behind on the shared Redis.
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  await redis.connect();
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await upstream.close();
});

async function gatewayOn(redisUrl: string, prefix: string, policies: string): Promise<StartedGateway> {
  const gw = await abuseGateway(upstream, policies, undefined, `store: { redis: { url: "${redisUrl}", prefix: "${prefix}" } }`);
  gateways.push(gw);
  return gw;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private redis-server that this test may kill. */
async function startRedis(): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis-server did not start')), 5000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${String(code)}`)); });
  });
  return { url: `redis://127.0.0.1:${port}`, child };
}

async function failOpenCount(gw: StartedGateway): Promise<number> {
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gatehouse_fail_open_total{policy="rate-limit",dependency="store"}'));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('rate limits on Redis', () => {
  it('lets exactly the burst through when 60 requests arrive at once', async () => {
    const gw = await gatewayOn('redis://127.0.0.1:6379', newPrefix(), '      rateLimit: { limits: [{ by: ip, rate: 9/h }] }');
    const responses = await burst(60, () => fetch(`${gw.url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(9);
    expect(countStatus(responses, 429)).toBe(51);
    expect(responses.find((r) => r.status === 200)?.headers.get('ratelimit-policy')).toBe('"ip";q=9;w=3600');
  });

  it('enforces one limit across two gateways sharing Redis', async () => {
    const prefix = newPrefix();
    const policies = '      rateLimit: { limits: [{ by: api, rate: 10/h }, { name: daily, by: api, quota: 14/day }] }';
    const a = await gatewayOn('redis://127.0.0.1:6379', prefix, policies);
    const b = await gatewayOn('redis://127.0.0.1:6379', prefix, policies);
    const responses = await burst(50, (i) => fetch(`${(i % 2 === 0 ? a : b).url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(10);
    // The bucket is the cluster's: spent through both, it is spent for each.
    expect((await fetch(`${a.url}/v1/items`)).status).toBe(429);
    expect((await fetch(`${b.url}/v1/items`)).status).toBe(429);
  });

  it('gives quota units back to Redis for requests a later limit refused, even in a concurrent burst', async () => {
    const policies = [
      '      rateLimit:',
      '        limits:',
      '          - { name: daily, by: api, quota: 40/day }',
      '          - { name: reads, by: api, rate: 5/h, operations: [getItem] }',
    ].join('\n');
    const gw = await gatewayOn('redis://127.0.0.1:6379', newPrefix(), policies);
    const responses = await burst(30, () => fetch(`${gw.url}/v1/items/a`));
    expect(countStatus(responses, 200)).toBe(5);
    // Refunds were queued on the connection before each refusal was answered: this request,
    // only under the quota, sees the five that went through (40 - 5 - 1), not thirty.
    const probe = await fetch(`${gw.url}/v1/items`);
    expect(probe.status).toBe(200);
    expect(probe.headers.get('ratelimit')).toMatch(/^"daily";r=34;t=\d+$/);
  });

  it('counts requests through one gateway against the other', async () => {
    const prefix = newPrefix();
    const policies = '      rateLimit: { limits: [{ by: api, rate: 4/h }] }';
    const a = await gatewayOn('redis://127.0.0.1:6379', prefix, policies);
    const b = await gatewayOn('redis://127.0.0.1:6379', prefix, policies);
    for (let i = 0; i < 4; i++) expect((await fetch(`${a.url}/v1/items`)).status).toBe(200);
    const refused = await fetch(`${b.url}/v1/items`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit')).toMatch(/^"api";r=0;t=\d+$/);
  });

  it('shares a quota across two gateways exactly', async () => {
    const prefix = newPrefix();
    const policies = '      rateLimit: { limits: [{ name: daily, by: api, quota: 13/day }] }';
    const a = await gatewayOn('redis://127.0.0.1:6379', prefix, policies);
    const b = await gatewayOn('redis://127.0.0.1:6379', prefix, policies);
    const responses = await burst(40, (i) => fetch(`${(i % 2 === 0 ? a : b).url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(13);
  });
});

describe('concurrency limits on Redis', () => {
  it('caps requests in flight to the upstream across two gateways', async () => {
    const prefix = newPrefix();
    const a = await gatewayOn('redis://127.0.0.1:6379', prefix, '      concurrency: { perUpstream: 3 }');
    const b = await gatewayOn('redis://127.0.0.1:6379', prefix, '      concurrency: { perUpstream: 3 }');
    upstream.peak();
    const responses = await heldBurst(upstream, 12, 9, (i) => fetch(`${(i % 2 === 0 ? a : b).url}/v1/slow`));
    expect(countStatus(responses, 200)).toBe(3);
    expect(upstream.peak()).toBe(3);
    // Every slot is given back (one more round trip after each answer): the slot counter in Redis
    // is deleted when the last one is released. Waited for by its state, not for a time.
    const redis = new Redis('redis://127.0.0.1:6379');
    await expect.poll(async () => (await redis.keys(`${prefix}s:cc:*`)).length, { timeout: 20_000, interval: 20 }).toBe(0);
    await redis.quit();
    expect(countStatus(await heldBurst(upstream, 3, 0, () => fetch(`${a.url}/v1/slow`)), 200)).toBe(3);
  });
});

describe('when Redis goes away mid-test', () => {
  it('fails closed with 503, or fails open on the local limiter with a metric and a log line', async () => {
    const redis = await startRedis();
    const prefix = `gh-test-${randomUUID()}:`;
    const closed = await gatewayOn(redis.url, prefix, '      rateLimit: { onStoreFailure: closed, limits: [{ name: c, by: api, rate: 100/h }] }');
    const open = await gatewayOn(redis.url, prefix, '      rateLimit: { onStoreFailure: open, limits: [{ name: o, by: api, rate: 4/h }] }');
    expect((await fetch(`${closed.url}/v1/items`)).status).toBe(200);
    expect((await fetch(`${open.url}/v1/items`)).status).toBe(200);
    expect(await failOpenCount(open)).toBe(0);

    const exited = new Promise((resolve) => redis.child.once('exit', resolve));
    redis.child.kill('SIGKILL');
    await exited;

    const refused = await fetch(`${closed.url}/v1/items`);
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: 'GH_DEPENDENCY_UNAVAILABLE' });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(closed.logs.some((l) => l.msg === 'store unavailable: failing closed (503)' && l.policy === 'rate-limit')).toBe(true);

    // Fail open: the local limiter starts from a full bucket and still limits (4 per hour here).
    const responses = await burst(10, () => fetch(`${open.url}/v1/items`));
    expect(countStatus(responses, 200)).toBe(4);
    expect(countStatus(responses, 429)).toBe(6);
    expect(await failOpenCount(open)).toBe(10);
    expect(open.logs.filter((l) => l.msg === 'store unavailable: failing open with the local in-process limiter')).toHaveLength(1);
  });
});
