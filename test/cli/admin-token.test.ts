import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scratchDir, startGateway } from '../helpers/gateway.js';
import { gatehouse } from './run.js';

const spec = fileURLToPath(new URL('../inventory/fixtures/shop.yaml', import.meta.url));

async function configWith(dir: string, store: string): Promise<string> {
  const config = path.join(dir, 'gatehouse.yaml');
  await writeFile(config, ['version: "1"', store, 'admin: { host: 127.0.0.1, port: 0 }', 'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:1" }'].join('\n'));
  return config;
}

describe('gatehouse admin-token', () => {
  it('creates a token shown once, lists it without the token, and a revoked one stops working on a running gateway', async () => {
    const dir = await scratchDir('gh-cli-admin-token-');
    const config = await configWith(dir, `store: { sqlite: { path: "${dir}/gh.db" } }`);
    const created = await gatehouse('admin-token', 'create', '--role', 'operator', '--name', 'oncall', '--config', config);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^gha_[0-9a-f]{16}_[A-Za-z0-9_-]{43}\n$/);
    expect(created.err).toMatch(/operator.*oncall.*cannot be shown again/);
    const token = created.out.trim();
    const id = token.slice(4, 20);

    const listed = await gatehouse('admin-token', 'list', '--format', 'json', '--config', config);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ id, role: 'operator', name: 'oncall', status: 'active' })]);
    expect(listed.out).not.toContain(token.slice(21));
    expect(listed.out).not.toContain('hash');

    const gw = await startGateway(dir, await readFile(config, 'utf8'));
    try {
      const whoami = () => fetch(`${gw.adminUrl}/admin/api/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
      expect((await whoami()).status).toBe(200);
      expect((await gatehouse('admin-token', 'revoke', id, '--config', config)).code).toBe(0);
      expect((await whoami()).status).toBe(401);
    } finally {
      await gw.close();
    }
    expect((await gatehouse('admin-token', 'revoke', id, '--config', config)).code).toBe(2);
  });

  it('refuses an unknown role and a memory store', async () => {
    const dir = await scratchDir('gh-cli-admin-token-');
    const sqlite = await configWith(dir, `store: { sqlite: { path: "${dir}/gh.db" } }`);
    const role = await gatehouse('admin-token', 'create', '--role', 'root', '--config', sqlite);
    expect(role.code).toBe(2);
    expect(role.err).toMatch(/--role.*'root' is invalid.*viewer, operator, admin/);
    const memory = await configWith(await scratchDir('gh-cli-admin-token-'), 'store: { memory: {} }');
    const refused = await gatehouse('admin-token', 'create', '--role', 'viewer', '--config', memory);
    expect(refused.code).toBe(2);
    expect(refused.out).toBe('');
    expect(refused.err).toMatch(/store is memory/);
  });
});
