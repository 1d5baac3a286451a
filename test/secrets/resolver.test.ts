import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretError, SecretStore, VaultClient, createSecretResolver, loadKeyRing, resolveSecretRefs } from '../../src/secrets/index.js';
import { startVault, type VaultStandIn } from './vault-standin.js';

const DB_PASSWORD = 'pg-Password-7f3a9c1e';
const WEBHOOK = 'whsec_4b1d9e0f7a2c6e8b';
const VAULT_VALUE = 'vault-held-upstream-key-77';

let vault: VaultStandIn;
beforeAll(async () => {
  vault = await startVault();
  vault.kv.set('secret', new Map([['gatehouse/prod', { upstreamKey: VAULT_VALUE, other: 'x-other-value' }]]));
});
afterAll(async () => { await vault.close(); });

async function storeWith(env: Record<string, string>): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'gh-res-')), 'secrets.json');
  const store = new SecretStore({ file, keys: loadKeyRing(env) });
  await store.set('db', DB_PASSWORD);
  return file;
}

describe('resolving ${secret:…} in config', () => {
  it('replaces references from the store, env, files and Vault, whole or inside strings', async () => {
    const env = { GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('base64'), HOOK: WEBHOOK };
    const dir = mkdtempSync(join(tmpdir(), 'gh-res-'));
    writeFileSync(join(dir, 'token'), 'file-token-value-1\n');
    const resolver = createSecretResolver({ storeFile: await storeWith(env), env, vault: { address: vault.address, token: vault.rootToken } });
    const config = {
      version: '1.0',
      store: { postgres: 'postgres://gh:${secret:db}@127.0.0.1/gh' },
      alerts: [{ webhook: 'https://hooks.example/x', secret: '${secret:env:HOOK}' }],
      upstream: { headers: { authorization: 'Bearer ${secret:file:' + join(dir, 'token') + '}', 'x-key': '${secret:vault:gatehouse/prod#upstreamKey}' } },
      port: 8080,
    };
    const out = await resolveSecretRefs(config, resolver);
    expect(out).toEqual({
      version: '1.0',
      store: { postgres: `postgres://gh:${DB_PASSWORD}@127.0.0.1/gh` },
      alerts: [{ webhook: 'https://hooks.example/x', secret: WEBHOOK }],
      upstream: { headers: { authorization: 'Bearer file-token-value-1', 'x-key': VAULT_VALUE } },
      port: 8080,
    });
    // Every value resolved is now masked wherever it turns up.
    expect(resolver.redactor.redact(`connect ${DB_PASSWORD} ${WEBHOOK} ${VAULT_VALUE} file-token-value-1`)).toBe('connect [secret] [secret] [secret] [secret]');
    await resolver.close();
  });

  it('reports every unresolvable reference with its config path, and no value', async () => {
    const env = { GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('base64') };
    const resolver = createSecretResolver({ storeFile: await storeWith(env), env, vault: { address: vault.address, token: vault.rootToken } });
    const err = await resolveSecretRefs({
      a: '${secret:db}', b: ['${secret:missing}'], c: { d: '${secret:env:NOPE}' }, e: '${secret:vault:gatehouse/prod#nofield}', f: '${secret:ldap:x}',
    }, resolver).then(() => undefined, (e: unknown) => e as SecretError);
    expect(err).toBeInstanceOf(SecretError);
    const msg = err?.message ?? '';
    expect(msg).toMatch(/4 secret reference\(s\) could not be resolved/);
    expect(msg).toMatch(/ b\[0\]: secret "missing" is not in/);
    expect(msg).toMatch(/ c\.d: \$\{secret:env:NOPE\}: environment variable NOPE is not set/);
    expect(msg).toMatch(/ e: vault: secret\/gatehouse\/prod has no string field "nofield"/);
    expect(msg).toMatch(/ f: \$\{secret:ldap:x\}: unknown source "ldap"/);
    expect(msg).not.toContain(DB_PASSWORD);
    expect(msg).not.toContain(VAULT_VALUE);
    await resolver.close();
  });

  it('fails clearly without a key, and only when the store is actually used', async () => {
    const resolver = createSecretResolver({ storeFile: '/nonexistent/secrets.json', env: { HOOK: WEBHOOK } });
    expect(await resolveSecretRefs({ s: '${secret:env:HOOK}' }, resolver)).toEqual({ s: WEBHOOK });
    await expect(resolver.get('db')).rejects.toThrow(/no key-encryption key/);
  });
});

describe('the Vault KV v2 source', () => {
  it('logs in with AppRole, reads fields, and logs in again when the token is revoked', async () => {
    const client = new VaultClient({ address: vault.address, roleId: vault.roleId, secretId: vault.secretId, cacheMs: 0 });
    const before = vault.logins;
    expect(await client.field('gatehouse/prod', 'upstreamKey')).toBe(VAULT_VALUE);
    expect(vault.logins).toBe(before + 1);
    for (const t of [...vault.tokens]) if (t !== vault.rootToken) vault.tokens.delete(t);
    expect(await client.field('gatehouse/prod', 'other')).toBe('x-other-value');
    expect(vault.logins).toBe(before + 2);
    await client.close();
  });

  it('refuses a wrong AppRole secret and a bad token without echoing either', async () => {
    const badRole = new VaultClient({ address: vault.address, roleId: vault.roleId, secretId: 'sid-wrong-secret-id' });
    const e1 = await badRole.read('gatehouse/prod').then(() => undefined, (e: unknown) => e as Error);
    expect(e1?.message).toMatch(/AppRole login answered 400: invalid role or secret ID/);
    expect(e1?.message).not.toContain('sid-wrong-secret-id');
    const badToken = new VaultClient({ address: vault.address, token: 'hvs.not-a-valid-token' });
    const e2 = await badToken.read('gatehouse/prod').then(() => undefined, (e: unknown) => e as Error);
    expect(e2?.message).toMatch(/answered 403: permission denied/);
    expect(e2?.message).not.toContain('hvs.not-a-valid-token');
    await expect(badToken.read('missing/path')).rejects.toThrow(/403/);
    const good = new VaultClient({ address: vault.address, token: vault.rootToken });
    await expect(good.read('missing/path')).rejects.toThrow(/vault: no secret at secret\/missing\/path/);
    await Promise.all([badRole.close(), badToken.close(), good.close()]);
  });

  it('serves a rotated value within a second (reads cached for at most cacheMs)', async () => {
    const clock = { t: 0 };
    const client = new VaultClient({ address: vault.address, token: vault.rootToken, now: () => clock.t });
    vault.kv.get('secret')?.set('rotating', { key: 'value-one-aaaa' });
    expect(await client.field('rotating', 'key')).toBe('value-one-aaaa');
    vault.kv.get('secret')?.set('rotating', { key: 'value-two-bbbb' });
    clock.t = 999;
    expect(await client.field('rotating', 'key')).toBe('value-one-aaaa');
    clock.t = 1000;
    expect(await client.field('rotating', 'key')).toBe('value-two-bbbb');
    await client.close();
  });

  it('reads bare ${secret:name} from the configured Vault path when there is no local store', async () => {
    const resolver = createSecretResolver({ vault: { address: vault.address, token: vault.rootToken, path: 'gatehouse/prod' }, env: {} });
    expect(await resolveSecretRefs({ k: '${secret:upstreamKey}' }, resolver)).toEqual({ k: VAULT_VALUE });
    await resolver.close();
  });

  it('reports an unreachable Vault as a source failure', async () => {
    const client = new VaultClient({ address: 'http://127.0.0.1:9', token: vault.rootToken, timeoutMs: 1000 });
    await expect(client.read('x')).rejects.toThrow(/vault: GET http:\/\/127.0.0.1:9\/v1\/secret\/data\/x failed/);
    await client.close();
  });
});
