import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abuseSpec, okUpstream } from '../abuse/helpers.js';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { scratchDir } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { countOf, freshGet } from '../workers/helpers.js';

/*
 * The topology of deploy/compose.yaml with processes: two `gatehouse start` processes on one
 * Redis and one PostgreSQL (the `cluster` store, a prefix and a schema of their own for this
 * run). Gateway A runs two workers, B one process: what is shared is shared by every process.
 */
const run = randomUUID().slice(0, 8);
const prefix = `gh-two-${run}:`;
const schema = `gh_two_${run}`;
let upstream: TestUpstream;
const gateways: { cli: CliProcess; url: string }[] = [];

function yaml(workers: string): string {
  return [
    'version: "1"',
    workers,
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store:',
    '  cluster:',
    `    redis: { url: "redis://127.0.0.1:6379", prefix: "${prefix}" }`,
    `    postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: ${schema} }`,
    // The test client states its address: each test uses addresses of its own.
    'clientIp: { trustedHops: 1 }',
    'shutdown: { drainDelay: 0s, timeout: 5s }',
    'monitoring:',
    '  respond: { refusalCluster: block-ip }',
    // A refusal cluster below 20 refusals has confidence 0.7 (docs/anomaly.md): enough to act on here.
    '  confidence: { alert: 0.5, respond: 0.7 }',
    '  blockFor: 15m',
    '  detectors: { refusalCluster: { refusals: 3, window: 1m } }',
    'apis:',
    '  - name: test',
    `    spec: ${abuseSpec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s, connectTimeout: 500ms }`,
    '    policies:',
    '      rateLimit: { limits: [{ by: ip, rate: 10/day }] }',
  ].join('\n');
}

async function start(name: string, workers: string): Promise<{ cli: CliProcess; url: string }> {
  const file = path.join(await scratchDir(`gh-two-${name}-`), 'gatehouse.yaml');
  await writeFile(file, `${yaml(workers)}\n`);
  const cli = startCli(['start', '--config', file]);
  const started = await cli.line((l) => l.msg === 'workers started' || (l.msg === 'gateway started' && l.worker === undefined));
  const gw = { cli, url: `http://127.0.0.1:${(started.http as { port: number }).port}` };
  gateways.push(gw);
  return gw;
}

let a: { cli: CliProcess; url: string };
let b: { cli: CliProcess; url: string };

beforeAll(async () => {
  upstream = await okUpstream();
  // One after the other: both would create the PostgreSQL schema at once otherwise.
  a = await start('a', 'workers: 2');
  b = await start('b', '');
}, 120_000);

afterAll(async () => {
  for (const gw of gateways) gw.cli.child.kill('SIGTERM');
  await Promise.all(gateways.map((gw) => gw.cli.exited));
  await upstream.close();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}, 60_000);

describe('two gateways on one Redis and one PostgreSQL', () => {
  it('share a limit exactly: 10/day lets 10 of 40 requests through, whichever gateway each reaches', async () => {
    const before = upstream.requests.length;
    const statuses = (await Promise.all(Array.from({ length: 40 }, (_, i) =>
      freshGet(`${(i % 2 === 0 ? a : b).url}/v1/items`, { 'x-forwarded-for': '198.51.100.7' })))).map((r) => r.status);
    const [passed, limited, unavailable] = [countOf(statuses, 200), countOf(statuses, 429), countOf(statuses, 503)];
    expect(passed + limited + unavailable, statuses.join(' ')).toBe(40);
    // Never one more than the limit, whatever else happens.
    expect(passed).toBeLessThanOrEqual(10);
    expect(upstream.requests.length - before).toBe(passed);
    // A Redis call slower than its 500 ms timeout on a loaded machine fails closed (503) and may
    // still have taken its token; without one, the count is exact.
    if (unavailable === 0) expect(passed).toBe(10);
    else expect(passed + unavailable).toBeGreaterThanOrEqual(10);
  }, 120_000);

  it('refuses on B, within a second, an address that A blocked; other addresses still pass', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.9' };
    // Validation refusals through A until its automatic response blocks the address: counted, bounded.
    let blockedOnA = false;
    for (let i = 0; i < 20 && !blockedOnA; i++) {
      const res = await freshGet(`${a.url}/v1/items?limit=0`, attacker);
      blockedOnA = res.status === 403 && res.body.includes('GH_BLOCKED');
    }
    expect(blockedOnA).toBe(true);
    const blockedAt = Date.now();
    let refusedOnB = false;
    let waited = 0;
    while (!refusedOnB && waited <= 1_000) {
      const res = await freshGet(`${b.url}/v1/items`, attacker);
      refusedOnB = res.status === 403 && res.body.includes('GH_BLOCKED');
      waited = Date.now() - blockedAt;
      if (!refusedOnB) await new Promise((r) => setTimeout(r, 25));
    }
    // The bound: a block made through one gateway holds on the others within a second.
    expect(refusedOnB).toBe(true);
    expect(waited).toBeLessThanOrEqual(1_000);
    expect((await freshGet(`${b.url}/v1/items`, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(200);
    expect((await freshGet(`${a.url}/v1/items`, { 'x-forwarded-for': '198.51.100.99' })).status).toBe(200);
  }, 120_000);
});
