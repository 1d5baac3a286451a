import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { configYaml, scratchDir } from '../helpers/gateway.js';
import { okUpstream, abuseSpec } from '../abuse/helpers.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { countOf, freshGet, metricSum, nthLine } from './helpers.js';

/*
 * `workers: 4` as a real `gatehouse start` process: a primary and four worker processes sharing
 * one listening socket. The memory store lives in the primary, so a 10/minute limit is one
 * bucket whoever serves the request. Every request here opens a connection of its own, which
 * the primary hands to the workers in turn.
 */
let upstream: TestUpstream;
let cli: CliProcess;
let file: string;
let url: string;
let admin: string;

const LIMITED = '      rateLimit: { limits: [{ by: ip, rate: 10/min }] }';

/**
 * The API `test` under the limit the issue names (10/minute: it refills one request every 6 s,
 * so only a burst is counted on it), and `daily` under 10/day, which nothing refills during a
 * run: what it has let through is exact however slow the machine.
 */
async function writeConfig(policies: string | undefined): Promise<void> {
  const base = configYaml({ spec: abuseSpec, upstream: upstream.url, ...(policies === undefined ? {} : { policies }), extra: 'workers: 4\nshutdown: { drainDelay: 0s, timeout: 5s }' });
  const daily = [
    '  - name: daily',
    `    spec: ${abuseSpec}`,
    '    basePath: /daily',
    `    upstream: { url: "${upstream.url}", timeout: 2s, connectTimeout: 500ms }`,
    ...(policies === undefined ? [] : ['    policies:', '      rateLimit: { limits: [{ by: ip, rate: 10/day }] }']),
  ].join('\n');
  await writeFile(file, `${base}\n${daily}\n`);
}

const accessLines = (): Record<string, unknown>[] => cli.logs.filter((l) => typeof l.worker === 'number' && l.status !== undefined);

beforeAll(async () => {
  upstream = await okUpstream();
  file = path.join(await scratchDir('gh-workers-'), 'gatehouse.yaml');
  await writeConfig(LIMITED);
  // SIGHUP drives the reloads below: with watching on, the edit itself would race it.
  cli = startCli(['start', '--config', file, '--no-watch']);
  const started = await cli.line((l) => l.msg === 'workers started');
  url = `http://127.0.0.1:${(started.http as { port: number }).port}`;
  admin = `http://127.0.0.1:${(started.admin as { port: number }).port}`;
}, 120_000);

afterAll(async () => {
  if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  await upstream.close();
});

describe('workers: 4 on the memory store', () => {
  it('starts four workers, each its own process', async () => {
    const started = await nthLine(cli, 4, (l) => l.msg === 'gateway started');
    expect(new Set(started.map((l) => l.pid)).size).toBe(4);
    expect(new Set(started.map((l) => l.worker))).toEqual(new Set([0, 1, 2, 3]));
  }, 120_000);

  it('lets exactly 10 requests through a 10/minute limit, spread over the workers', async () => {
    const before = upstream.requests.length;
    const sent = Date.now();
    const statuses = (await Promise.all(Array.from({ length: 24 }, () => freshGet(`${url}/v1/items`)))).map((r) => r.status);
    // 10/minute refills one request every 6 s: a machine so loaded that the burst outlasts that
    // has earned one more per 6 s. The count is still exact; the allowance only follows the clock.
    const refilled = Math.floor((Date.now() - sent) / 6_000);
    expect(countOf(statuses, 200)).toBeGreaterThanOrEqual(10);
    expect(countOf(statuses, 200)).toBeLessThanOrEqual(10 + refilled);
    expect(countOf(statuses, 200) + countOf(statuses, 429)).toBe(24);
    expect(upstream.requests.length - before).toBe(countOf(statuses, 200));
    // Not one worker serving everything: the limit held across processes.
    expect(new Set(accessLines().map((l) => l.worker)).size).toBeGreaterThan(1);
  }, 120_000);

  it('lets exactly 10 of 30 requests racing on parallel connections through a 10/day limit', async () => {
    const before = upstream.requests.length;
    const statuses = (await Promise.all(Array.from({ length: 30 }, () => freshGet(`${url}/daily/items`)))).map((r) => r.status);
    expect(countOf(statuses, 200)).toBe(10);
    expect(countOf(statuses, 429)).toBe(20);
    expect(upstream.requests.length - before).toBe(10);
  }, 120_000);

  it('sums the gatehouse_* metrics of every worker on the admin listener', async () => {
    const text = await (await fetch(`${admin}/metrics`)).text();
    // 24 + 30 requests answered, by whichever worker: the sum over all of them.
    expect(metricSum(text, 'gatehouse_requests_total')).toBe(54);
    expect(metricSum(text, 'gatehouse_refusals_total', { code: 'GH_RATE_LIMITED' })).toBe(54 - upstream.requests.length);
    expect(metricSum(text, 'gatehouse_workers', { state: 'serving' })).toBe(4);
    expect(metricSum(text, 'gatehouse_workers', { state: 'configured' })).toBe(4);
    // Configuration gauges are not summed: one serving configuration reads as one.
    expect(metricSum(text, 'gatehouse_config_last_reload_successful')).toBe(1);
  }, 120_000);

  it('starts a killed worker again, and the limit survives it (the state is in the primary)', async () => {
    const victim = (await nthLine(cli, 4, (l) => l.msg === 'gateway started'))[1] as { pid: number; worker: number };
    process.kill(victim.pid, 'SIGKILL');
    await cli.line((l) => l.msg === 'a worker died: starting it again' && l.pid === victim.pid);
    const restarted = await cli.line((l) => l.msg === 'gateway started' && l.worker === victim.worker && l.pid !== victim.pid);
    expect(restarted.pid).not.toBe(victim.pid);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await freshGet(`${url}/daily/items`)).status);
    expect(countOf(statuses, 429)).toBe(8);
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(metricSum(text, 'gatehouse_worker_restarts_total')).toBe(1);
  }, 120_000);

  it('refuses a reload that one worker cannot apply: no worker switches', async () => {
    // Each worker reads its own copy of the spec (GATEHOUSE_WORKER_SLOT is set in workers); worker
    // 3's is missing. Workers 0 to 2 could switch to the configuration without limits, and must not.
    const dir = path.dirname(file);
    for (const slot of [0, 1, 2]) await copyFile(abuseSpec, path.join(dir, `spec-${slot}.yaml`));
    await writeConfig(undefined);
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll(`spec: ${abuseSpec}`, `spec: "${dir}/spec-\${GATEHOUSE_WORKER_SLOT:-0}.yaml"`));
    const refused = 'reload refused: every worker keeps the configuration it serves';
    const refusedBefore = cli.logs.filter((l) => l.msg === refused).length;
    cli.child.kill('SIGHUP');
    const line = (await nthLine(cli, refusedBefore + 1, (l) => l.msg === refused)).at(-1) as { errors: string[] };
    expect(line.errors.every((e) => e.startsWith('worker 3:'))).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await freshGet(`${url}/daily/items`)).status);
    // Any worker that had switched would answer 200 to its share.
    expect(countOf(statuses, 429)).toBe(8);
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(metricSum(text, 'gatehouse_config_last_reload_successful')).toBe(0);
  }, 120_000);

  it('switches every worker on SIGHUP: without the limit, no worker refuses', async () => {
    await writeConfig(undefined);
    cli.child.kill('SIGHUP');
    await cli.line((l) => l.msg === 'configuration reloaded in every worker');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await freshGet(`${url}/daily/items`)).status);
    // One worker left on the old configuration would answer 429 to its share of these.
    expect(countOf(statuses, 200)).toBe(12);
  }, 120_000);

  it('drains every worker on SIGTERM and exits 0', async () => {
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.logs.some((l) => l.msg === 'every worker has stopped')).toBe(true);
    expect(new Set(cli.logs.filter((l) => l.msg === 'shutting down: draining in-flight requests').map((l) => l.worker))).toEqual(new Set([0, 1, 2, 3]));
  }, 120_000);
});

describe('workers: a start that cannot complete', () => {
  it('stops every worker and exits 1 when the workers cannot listen', async () => {
    // The port is taken: every worker's listen fails, and the gateway must not run short of them.
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    const dir = await scratchDir('gh-workers-taken-');
    const config = path.join(dir, 'gatehouse.yaml');
    await writeFile(config, `${configYaml({ spec: abuseSpec, upstream: upstream.url, extra: 'workers: 2' }).replace('port: 0 } }', `port: ${port} } }`)}\n`);
    const failing = startCli(['start', '--config', config]);
    try {
      expect(await failing.exited).toBe(1);
      expect(failing.stderr()).toMatch(/EADDRINUSE/);
      expect(failing.stderr()).toMatch(/a worker could not start/);
      expect(failing.logs.some((l) => l.msg === 'workers started')).toBe(false);
    } finally {
      if (failing.child.exitCode === null) failing.child.kill('SIGKILL');
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 120_000);
});

describe('workers: SIGTERM with a drain delay', () => {
  it('turns readiness 503 in every worker and keeps serving through shutdown.drainDelay; a second SIGTERM ends the delay', async () => {
    const dir = await scratchDir('gh-workers-drain-');
    const config = path.join(dir, 'gatehouse.yaml');
    // 60 s: far longer than the test needs, so "still serving" never depends on the machine's speed.
    await writeFile(config, `${configYaml({ spec: abuseSpec, upstream: upstream.url, extra: 'workers: 2\nshutdown: { drainDelay: 60s, timeout: 5s }' })}\n`);
    const gw = startCli(['start', '--config', config]);
    try {
      const started = await gw.line((l) => l.msg === 'workers started');
      const base = `http://127.0.0.1:${(started.http as { port: number }).port}`;
      const probe = `http://127.0.0.1:${(started.admin as { port: number }).port}/readyz`;
      expect((await freshGet(probe)).status).toBe(200);
      gw.child.kill('SIGTERM');
      await nthLine(gw, 2, (l) => l.msg === 'draining: readiness is 503, serving until the delay ends');
      // Both workers (connections go to each in turn) answer not-ready, and both still serve.
      const probes = await Promise.all([freshGet(probe), freshGet(probe), freshGet(probe), freshGet(probe)]);
      expect(probes.map((p) => p.status)).toEqual([503, 503, 503, 503]);
      const served = await Promise.all([freshGet(`${base}/v1/items`), freshGet(`${base}/v1/items`)]);
      expect(served.map((r) => r.status)).toEqual([200, 200]);
      expect(gw.child.exitCode).toBeNull();
      gw.child.kill('SIGTERM');
      expect(await gw.exited).toBe(0);
      expect(gw.logs.some((l) => l.msg === 'every worker has stopped')).toBe(true);
    } finally {
      if (gw.child.exitCode === null) gw.child.kill('SIGKILL');
    }
  }, 120_000);
});
