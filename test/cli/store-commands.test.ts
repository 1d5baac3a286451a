import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../helpers/gateway.js';
import { gatehouse } from './run.js';

const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));

async function configWith(store: string): Promise<string> {
  const dir = await scratchDir('gh-cli-store-');
  const config = path.join(dir, 'gatehouse.yaml');
  await writeFile(config, ['version: "1"', store, 'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:1" }'].join('\n'));
  return config;
}

describe('commands that write to a memory store', () => {
  it('keys create refuses, says why, and prints no key', async () => {
    const config = await configWith('store: { memory: {} }');
    const r = await gatehouse('keys', 'create', '--name', 'ci', '--config', config);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/store is memory/);
    expect(r.err).toMatch(/sqlite|redis|postgres/);
  });

  it('revocations add refuses as well; the same commands on SQLite succeed', async () => {
    const memory = await configWith('store: { memory: {} }');
    const refused = await gatehouse('revocations', 'add', 'subject', 'mallory', '--config', memory);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/store is memory/);
    const sqlite = await configWith('store: { sqlite: { path: gh.db } }');
    const created = await gatehouse('keys', 'create', '--name', 'ci', '--config', sqlite);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^ghk_\S+\n$/);
    expect((await gatehouse('revocations', 'add', 'subject', 'mallory', '--config', sqlite)).code).toBe(0);
  });
});

describe('gatehouse revocations add ip', () => {
  it('refuses what is not an IP address or CIDR range, naming the value', async () => {
    const config = await configWith('store: { sqlite: { path: gh.db } }');
    for (const bad of ['not-an-ip', '10.0.0.256', '10.0.0.0/33', '2001:db8::/129', '10.0.0.1/', '::g', '1.2.3']) {
      const r = await gatehouse('revocations', 'add', 'ip', bad, '--config', config);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toContain(`"${bad}"`);
    }
    expect(JSON.parse((await gatehouse('revocations', 'list', '--config', config, '--format', 'json')).out)).toEqual([]);
  });

  it('accepts IPv4 and IPv6 addresses and ranges, stored in the form the gateway compares', async () => {
    const config = await configWith('store: { sqlite: { path: gh.db } }');
    for (const good of ['203.0.113.7', '198.51.100.0/24', '2001:DB8:0:0::1', '2001:db8:1::/48', '::ffff:192.0.2.1']) {
      const r = await gatehouse('revocations', 'add', 'ip', good, '--config', config);
      expect(r.code, `${good}: ${r.err}`).toBe(0);
    }
    const listed = JSON.parse((await gatehouse('revocations', 'list', '--config', config, '--format', 'json')).out) as { value: string }[];
    expect(listed.map((r) => r.value).sort()).toEqual(['192.0.2.1', '198.51.100.0/24', '2001:db8:1::/48', '2001:db8::1', '203.0.113.7']);
  });
});
