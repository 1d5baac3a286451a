import { randomUUID } from 'node:crypto';
import { copyFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { okUpstream, abuseSpec } from '../abuse/helpers.js';
import { adminClient } from '../admin/helpers.js';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { configYaml, scratchDir } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { nthLine } from './helpers.js';

/*
 * The configuration history (admin.reloads) of `workers: 2`: the workers start and reload
 * together, so the cluster is one gateway and each start and each reload is one record, not one
 * per worker.
 */
let upstream: TestUpstream;
let cli: CliProcess;
let file: string;
let yaml: string;
let admin: ReturnType<typeof adminClient>;

const TOKEN_ENV = 'GH_TEST_WORKERS_RELOADS_ADMIN_TOKEN';
const token = `admin-${randomUUID()}`;
const reloaded = 'configuration reloaded in every worker';

interface Version { at: number; ok: boolean; instance: string; errors?: string[] }

async function history(): Promise<Version[]> {
  const res = await admin.get('/config/reloads?limit=100');
  expect(res.status).toBe(200);
  return res.body.items as Version[];
}

/** Reads the history until it holds `n` records: the one a worker writes on an abort comes after the primary's log line. */
async function historyOf(n: number): Promise<Version[]> {
  for (;;) {
    const items = await history();
    if (items.length >= n) return items;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  upstream = await okUpstream();
  file = path.join(await scratchDir('gh-workers-reloads-'), 'gatehouse.yaml');
  // The admin token reaches the workers from the environment they inherit through the primary.
  process.env[TOKEN_ENV] = token;
  yaml = configYaml({ spec: abuseSpec, upstream: upstream.url, extra: 'workers: 2\nshutdown: { drainDelay: 0s, timeout: 5s }' })
    .replace('admin: { host: 127.0.0.1, port: 0 }', `admin: { host: 127.0.0.1, port: 0, auth: { token: "\${secret:env:${TOKEN_ENV}}" } }`);
  await writeFile(file, `${yaml}\n`);
  cli = startCli(['start', '--config', file, '--no-watch']);
  const started = await cli.line((l) => l.msg === 'workers started');
  admin = adminClient(`http://127.0.0.1:${(started.admin as { port: number }).port}`, token);
}, 120_000);

afterAll(async () => {
  if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  delete process.env[TOKEN_ENV];
  await upstream.close();
});

describe('workers: 2, the reload history', () => {
  it('holds one record for the start of two workers, named after the primary', async () => {
    // Each worker has written what it writes before it told the primary it serves.
    const items = await history();
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ ok: true, instance: `${hostname()}:${cli.child.pid ?? 0}` });
  }, 120_000);

  it('adds one record per reload that every worker switched to', async () => {
    cli.child.kill('SIGHUP');
    await nthLine(cli, 1, (l) => l.msg === reloaded);
    // Every worker recorded what it records before it answered the primary's commit.
    const items = await history();
    expect(items).toHaveLength(2);
    expect(items.map((v) => v.ok)).toEqual([true, true]);
  }, 120_000);

  it('adds one record for a reload refused by one worker, with the refusing worker in its errors', async () => {
    // Each worker reads its own copy of the spec (GATEHOUSE_WORKER_SLOT is set in workers); worker
    // 1's is missing, so it alone refuses, and worker 0 hears of it as an abort.
    const dir = path.dirname(file);
    await copyFile(abuseSpec, path.join(dir, 'spec-0.yaml'));
    await writeFile(file, yaml.replace(`spec: ${abuseSpec}`, `spec: "${dir}/spec-\${GATEHOUSE_WORKER_SLOT:-0}.yaml"`));
    cli.child.kill('SIGHUP');
    await cli.line((l) => l.msg === 'reload refused: every worker keeps the configuration it serves');
    const items = await historyOf(3);
    expect(items).toHaveLength(3);
    expect(items[0]?.ok).toBe(false);
    expect(items[0]?.errors?.join('\n')).toMatch(/worker 1:/);
  }, 120_000);

  it('adds one record for the next reload, and no more after it', async () => {
    await writeFile(file, yaml);
    cli.child.kill('SIGHUP');
    await nthLine(cli, 2, (l) => l.msg === reloaded);
    const items = await history();
    expect(items.map((v) => v.ok)).toEqual([true, false, true, true]);
    expect(new Set(items.map((v) => v.instance))).toEqual(new Set([`${hostname()}:${cli.child.pid ?? 0}`]));
  }, 120_000);
});
