import path from 'node:path';
import { Command } from 'commander';
import { jwtVerify, createLocalJWKSet, decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readAuditLog } from '../../src/cli/audit-log.js';
import { createKey, listKeys, registerKeys, revokeKey, rotateKey } from '../../src/cli/keys.js';
import { devJwks, mintDevToken } from '../../src/cli/token.js';
import { DecisionTrail } from '../../src/identity/audit-trail.js';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { createSqliteStore } from '../../src/store/index.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';
import { SPEC } from './setup.js';

async function project(): Promise<{ dir: string; config: string }> {
  const dir = await scratchDir('gh-idcli-');
  await writeFiles(dir, {
    'gatehouse.yaml': [
      'version: "1"',
      'store: { sqlite: { path: gh.db } }',
      'identity:',
      '  signing: { key: keys/dev.jwk, issuer: urn:demo, audience: orders-api }',
      'apis:',
      `  - { name: orders, spec: ${SPEC}, upstream: { url: "http://127.0.0.1:1" } }`,
    ].join('\n'),
  });
  return { dir, config: path.join(dir, 'gatehouse.yaml') };
}

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('gatehouse keys', () => {
  it('creates a key shown once, lists it without its secret, rotates and revokes it', async () => {
    const { dir, config } = await project();
    const { key, info } = await createKey(config, { name: 'ci', scopes: 'orders:read,orders:write', expires: '90d' });
    expect(key).toMatch(/^ghk_/);
    let listed = await listKeys(config);
    expect(listed).toEqual([expect.objectContaining({ id: info.id, name: 'ci', scopes: ['orders:read', 'orders:write'], status: 'active' })]);
    expect(JSON.stringify(listed)).not.toContain(key.slice(18));
    const next = await rotateKey(config, info.id, { overlap: '1h' });
    expect(next?.info.scopes).toEqual(['orders:read', 'orders:write']);
    expect(await revokeKey(config, info.id)).toBe(true);
    listed = await listKeys(config);
    expect(listed.find((k) => k.id === info.id)?.status).toBe('revoked');
    // What the gateway sees from the same SQLite file: the revoked key is refused, the successor works.
    const store = createSqliteStore({ path: path.join(dir, 'gh.db') });
    const keys = new ApiKeyStore(store.kv, { cacheTtlMs: 0 });
    expect(await keys.verify(key)).toMatchObject({ ok: false, code: 'GH_AUTHN_REVOKED' });
    expect((await keys.verify(next?.key ?? '')).ok).toBe(true);
    await store.close();
  });

  it('prints the key on stdout and refuses a bad --expires with exit code 2', async () => {
    const { config } = await project();
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const program = new Command().exitOverride();
    registerKeys(program);
    await program.parseAsync(['node', 'gatehouse', 'keys', 'create', '--name', 'bot', '--config', config]);
    expect(out.join('')).toMatch(/^ghk_[0-9a-f]{12}_\S{43}\n$/);
    await program.parseAsync(['node', 'gatehouse', 'keys', 'create', '--name', 'bot', '--expires', 'soon', '--config', config]);
    expect(process.exitCode).toBe(2);
  });
});

describe('gatehouse token', () => {
  it('mints a short-lived token that verifies against the printed JWKS', async () => {
    const { config } = await project();
    const token = await mintDevToken({ config, sub: 'alice', scope: 'orders:read', role: ['admin'], ttl: '5m', claim: ['acr=urn:example:mfa', 'amr=["otp"]'] });
    const jwks = JSON.parse(await devJwks({ config })) as { keys: [] };
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'urn:demo', audience: 'orders-api' });
    expect(payload).toMatchObject({ sub: 'alice', scope: 'orders:read', roles: ['admin'], acr: 'urn:example:mfa', amr: ['otp'] });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(300);
  });

  it('refuses a lifetime over one hour', async () => {
    const { config } = await project();
    await expect(mintDevToken({ config, sub: 'a', ttl: '2h' })).rejects.toThrow('at most 1h');
    expect(decodeJwt(await mintDevToken({ config, sub: 'a', ttl: '1h' })).sub).toBe('a');
  });
});

describe('gatehouse audit-log', () => {
  it('filters decisions by identity, operation and decision, newest first', async () => {
    const { dir, config } = await project();
    const store = createSqliteStore({ path: path.join(dir, 'gh.db') });
    const trail = new DecisionTrail(store.records, 'identity-decisions');
    const base = { at: new Date().toISOString(), api: 'orders', method: 'GET', mode: 'enforce' as const, kind: 'jwt', ip: '127.0.0.1' };
    trail.write({ ...base, requestId: 'r1', operation: 'getUser', decision: 'allow', policy: 'identity', rule: 'bearer', reason: 'ok', identity: 'alice' });
    trail.write({ ...base, requestId: 'r2', operation: 'getUser', decision: 'deny', policy: 'object-auth', rule: 'objectAuth.rules[0]', reason: 'path.userId belongs to another caller', identity: 'alice' });
    trail.write({ ...base, requestId: 'r3', operation: 'listOrders', decision: 'deny', policy: 'authenticate', rule: 'oidc', reason: 'token expired', identity: '(anonymous)' });
    await trail.close();
    await store.close();
    expect((await readAuditLog(config, { identity: 'alice' })).map((r) => r.data.requestId)).toEqual(['r2', 'r1']);
    expect((await readAuditLog(config, { decision: 'deny' })).map((r) => r.data.requestId)).toEqual(['r3', 'r2']);
    expect((await readAuditLog(config, { operation: 'listOrders', since: '1h' })).map((r) => r.data.requestId)).toEqual(['r3']);
    expect(await readAuditLog(config, { since: '2099-01-01T00:00:00Z' })).toEqual([]);
    await expect(readAuditLog(config, { decision: 'maybe' })).rejects.toThrow('allow or deny');
  });
});
