import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/gateway.js';
import { gatehouse } from './run.js';

/*
 * Options that belong to a subcommand reach that subcommand, wherever a parent command (or the
 * program's own --version) has an option of the same name.
 */
const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));

async function project(): Promise<{ dir: string; config: string }> {
  const dir = await scratchDir('gh-cli-options-');
  const config = path.join(dir, 'custom.yaml');
  await writeFile(config, ['version: "1"', 'store: { sqlite: { path: inv.db } }', 'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:1" }'].join('\n'));
  return { dir, config };
}

describe('gatehouse secrets get --version', () => {
  it('prints the value of that version, not the version of Gatehouse', async () => {
    const dir = await scratchDir('gh-cli-secrets-');
    const store = path.join(dir, 'secrets.json');
    const key = randomBytes(32).toString('base64');
    process.env.GATEHOUSE_SECRETS_KEY = key;
    try {
      const file = path.join(dir, 'v1.txt');
      await writeFile(file, 'first-value-8d1c');
      expect((await gatehouse('secrets', 'set', 'partner', '--from-file', file, '--store', store)).code).toBe(0);
      expect((await gatehouse('secrets', 'rotate', 'partner', '--store', store)).code).toBe(0);
      const v1 = await gatehouse('secrets', 'get', 'partner', '--version', '1', '--store', store);
      expect(v1).toMatchObject({ code: 0, out: 'first-value-8d1c\n' });
      const v2 = await gatehouse('secrets', 'get', 'partner', '--store', store, '--version', '2');
      expect(v2.code).toBe(0);
      expect(v2.out).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
      const missing = await gatehouse('secrets', 'get', 'partner', '--version', '7', '--store', store);
      expect(missing.code).toBe(1);
      expect(missing.out).toBe('');
    } finally {
      delete process.env.GATEHOUSE_SECRETS_KEY;
    }
  });

  it('still answers gatehouse --version with the program version', async () => {
    const r = await gatehouse('--version');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('gatehouse inventory subcommands and --config', () => {
  it('ingest stores into the store of the config given after the subcommand', async () => {
    const { dir, config } = await project();
    const log = path.join(dir, 'access.log');
    await writeFile(log, '10.1.2.3 - - [10/Oct/2025:13:55:36 +0000] "GET /api/users/42 HTTP/1.1" 200 612 "-" "curl/8.0"\n');
    const ingested = await gatehouse('inventory', 'ingest', log, '--config', config);
    expect(ingested.err).toBe('');
    expect(ingested).toMatchObject({ code: 0 });
    expect(ingested.out).toContain('1 request(s), 1 operation row(s) stored');
    const report = await gatehouse('inventory', '--config', config, '--format', 'json');
    expect(report.code).toBe(0);
    expect((JSON.parse(report.out) as { operations: { operation: string; count: number }[] }).operations.find((o) => o.operation === 'getUser')?.count).toBe(1);
  });

  it('export-spec reads the store of the config given after the subcommand', async () => {
    const { dir, config } = await project();
    const log = path.join(dir, 'access.log');
    await writeFile(log, '10.1.2.3 - - [10/Oct/2025:13:55:36 +0000] "GET /api/hidden/report HTTP/1.1" 200 12 "-" "curl/8.0"\n');
    expect((await gatehouse('inventory', 'ingest', '-c', config, log)).code).toBe(0);
    const out = path.join(dir, 'observed.json');
    const exported = await gatehouse('inventory', 'export-spec', '--config', config, '--shadow-only', '-o', out);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    expect(Object.keys((JSON.parse(await readFile(out, 'utf8')) as { paths: object }).paths)).toEqual(['/api/hidden/report']);
  });
});

describe('commands that need only the store', () => {
  /** A config whose webhook secret cannot be resolved here (a CI runner, an operator's laptop). */
  async function withUnresolvable(store = 'store: { sqlite: { path: gh.db } }'): Promise<string> {
    const { dir } = await project();
    const config = path.join(dir, 'ops.yaml');
    await writeFile(config, [
      'version: "1"', store,
      'monitoring:', '  alerts:', '    - { webhook: https://hooks.example.com/x, secret: "${secret:env:GH_TEST_UNSET_WEBHOOK_SECRET}" }',
      'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:1" }',
    ].join('\n'));
    return config;
  }

  it('alerts and revocations work although an unrelated secret cannot be resolved', async () => {
    const config = await withUnresolvable();
    const alerts = await gatehouse('alerts', '--config', config);
    expect(alerts.err).toBe('');
    expect(alerts).toMatchObject({ code: 0, out: 'no alerts\n' });
    const added = await gatehouse('revocations', 'add', 'ip', '203.0.113.9', '--config', config, '--for', '1h');
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const listed = await gatehouse('revocations', 'list', '--config', config, '--format', 'json');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.out) as { value: string }[]).map((r) => r.value)).toEqual(['203.0.113.9']);
    expect((await gatehouse('keys', 'list', '--config', config)).code).toBe(0);
    const inventory = await gatehouse('inventory', '--config', config, '--format', 'json');
    expect(inventory.err).toBe('');
    expect(inventory.code).toBe(0);
  });

  it('still refuses a config whose store itself cannot be resolved, naming the path', async () => {
    const config = await withUnresolvable('store: { redis: { url: "${secret:env:GH_TEST_UNSET_REDIS_URL}" } }');
    const r = await gatehouse('alerts', '--config', config);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/store\.redis\.url: .*GH_TEST_UNSET_REDIS_URL is not set/);
    expect(r.err).not.toContain('WEBHOOK');
  });
});
