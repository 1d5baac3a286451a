import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretError } from './errors.js';
import { kekFromBytes, loadKeyRing, type KeyRing } from './kek.js';
import { SecretStore } from './store.js';

const VALUE = 'sk_live_9f8e7d6c5b4a39281706';
const HOUR = 3_600_000;

function ring(key = randomBytes(32)): KeyRing {
  const k = kekFromBytes(key);
  return { current: k, byId: new Map([[k.id, k]]) };
}

function setup(now = { t: Date.parse('2025-01-01T00:00:00Z') }) {
  const file = join(mkdtempSync(join(tmpdir(), 'gh-secrets-')), 'store.json');
  const keys = ring();
  const store = new SecretStore({ file, keys, now: () => now.t, refreshMs: 0 });
  return { file, keys, store, now };
}

/** The error thrown, asserting it carries no secret value (it will be logged). */
async function failure(p: Promise<unknown>, ...values: string[]): Promise<SecretError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SecretError);
  const text = `${(err as Error).message} ${(err as Error).stack ?? ''} ${JSON.stringify(err)}`;
  for (const v of [VALUE, ...values]) expect(text).not.toContain(v);
  return err as SecretError;
}

describe('the encrypted secret store', () => {
  it('keeps values encrypted at rest in a file only its owner can read', async () => {
    const { file, store } = setup();
    expect(await store.set('stripe', VALUE)).toBe(1);
    expect(await store.get('stripe')).toBe(VALUE);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(VALUE);
    expect(text).not.toContain(Buffer.from(VALUE).toString('base64'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('uses a fresh IV for every envelope', async () => {
    const { file, store } = setup();
    await store.set('a', VALUE);
    await store.set('b', VALUE);
    const d = JSON.parse(readFileSync(file, 'utf8')) as { secrets: Record<string, { versions: { envelope: { iv: string; data: string } }[] }> };
    expect(d.secrets.a?.versions[0]?.envelope.iv).not.toBe(d.secrets.b?.versions[0]?.envelope.iv);
  });

  it('set replaces the value at once: the previous version is refused', async () => {
    const { store } = setup();
    await store.set('k', 'first-value');
    expect(await store.set('k', VALUE)).toBe(2);
    expect(await store.get('k')).toBe(VALUE);
    expect(await store.accepts('k', 'first-value')).toBe(false);
    expect((await failure(store.getVersion('k', 1), 'first-value')).code).toBe('GH_SECRET_NOT_FOUND');
  });

  it('rotate keeps the previous version accepted until the overlap window ends, then refuses it', async () => {
    const { store, now } = setup();
    await store.set('webhook', 'old-webhook-secret');
    const r = await store.rotate('webhook', { value: VALUE, overlapMs: HOUR });
    expect(r.version).toBe(2);
    expect(await store.get('webhook')).toBe(VALUE);
    expect((await store.validValues('webhook')).map((v) => v.version)).toEqual([2, 1]);
    expect(await store.accepts('webhook', 'old-webhook-secret')).toBe(true);
    now.t += HOUR - 1;
    expect(await store.getVersion('webhook', 1)).toBe('old-webhook-secret');
    now.t += 1;
    expect(await store.accepts('webhook', 'old-webhook-secret')).toBe(false);
    expect(await store.accepts('webhook', VALUE)).toBe(true);
    const err = await failure(store.getVersion('webhook', 1), 'old-webhook-secret');
    expect(err.code).toBe('GH_SECRET_EXPIRED');
    expect((await store.list())[0]?.versions.map((v) => v.state)).toEqual(['expired', 'current']);
  });

  it('rotate generates a strong value when none is given, and refuses an unknown secret', async () => {
    const { store } = setup();
    await store.set('api', VALUE);
    const r = await store.rotate('api', { overlapMs: 0 });
    expect(r.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await failure(store.rotate('nope', { overlapMs: 0 }))).code).toBe('GH_SECRET_NOT_FOUND');
  });

  it('revocation destroys the ciphertext and is seen by another process within a second', async () => {
    const { file, keys, store } = setup();
    await store.set('db', VALUE);
    // A second store on the same file with the real clock, as a running gateway would hold.
    const gateway = new SecretStore({ file, keys });
    expect(await gateway.get('db')).toBe(VALUE);
    const started = Date.now();
    await store.revoke('db');
    let refusedAfter = -1;
    while (Date.now() - started < 2000) {
      const r = await gateway.get('db').then(() => 'ok', (e: unknown) => (e as SecretError).code);
      if (r === 'GH_SECRET_REVOKED') {
        refusedAfter = Date.now() - started;
        break;
      }
      await new Promise((ok) => setTimeout(ok, 20));
    }
    expect(refusedAfter).toBeGreaterThanOrEqual(0);
    expect(refusedAfter).toBeLessThan(1000);
    expect(JSON.parse(readFileSync(file, 'utf8')).secrets.db.versions[0].envelope).toBeUndefined();
    expect(await gateway.accepts('db', VALUE)).toBe(false);
  });

  it('revokes one version during an overlap, leaving the current one', async () => {
    const { store } = setup();
    await store.set('k', 'leaked-old-value');
    await store.rotate('k', { value: VALUE, overlapMs: HOUR });
    expect(await store.revoke('k', 1)).toEqual([1]);
    expect(await store.accepts('k', 'leaked-old-value')).toBe(false);
    expect(await store.get('k')).toBe(VALUE);
  });

  it('deletes a secret', async () => {
    const { store } = setup();
    await store.set('k', VALUE);
    expect(await store.delete('k')).toBe(true);
    expect(await store.delete('k')).toBe(false);
    expect((await failure(store.get('k'))).code).toBe('GH_SECRET_NOT_FOUND');
  });

  it('refuses a wrong key to read or to write, naming both key ids', async () => {
    const { file, store } = setup();
    await store.set('k', VALUE);
    const wrong = new SecretStore({ file, keys: ring() });
    const err = await failure(wrong.get('k'));
    expect(err.code).toBe('GH_SECRET_KEY_MISMATCH');
    expect(err.message).toMatch(/encrypted under key [0-9a-f]{16}, but the configured key is [0-9a-f]{16}/);
    expect((await failure(wrong.set('other', 'another-value'))).code).toBe('GH_SECRET_KEY_MISMATCH');
  });

  it('detects tampering: a changed ciphertext, a stretched overlap window, an envelope moved to another name', async () => {
    const { file, store, now } = setup();
    await store.set('a', 'value-of-secret-a');
    await store.set('b', VALUE);
    await store.rotate('b', { value: 'value-b-two', overlapMs: HOUR });
    const pristine = readFileSync(file, 'utf8');
    const edit = async (f: (d: { secrets: Record<string, { versions: { notAfter?: string; envelope: { data: string } }[] }> }) => void) => {
      const d = JSON.parse(pristine) as Parameters<typeof f>[0];
      f(d);
      writeFileSync(file, JSON.stringify(d));
      now.t += 1;
    };
    await edit((d) => {
      const env = d.secrets.a?.versions[0]?.envelope as { data: string };
      const bytes = Buffer.from(env.data, 'base64');
      bytes.writeUInt8(bytes.readUInt8(0) ^ 1, 0);
      env.data = bytes.toString('base64');
    });
    expect((await failure(store.get('a'), 'value-of-secret-a')).code).toBe('GH_SECRET_TAMPERED');
    await edit((d) => { (d.secrets.b?.versions[0] as { notAfter?: string }).notAfter = '2099-01-01T00:00:00.000Z'; });
    expect((await failure(store.getVersion('b', 1))).code).toBe('GH_SECRET_TAMPERED');
    await edit((d) => { (d.secrets.a as unknown) = d.secrets.b; d.secrets.a!.versions = [d.secrets.b!.versions[1]!]; });
    expect((await failure(store.get('a'), 'value-b-two')).code).toBe('GH_SECRET_TAMPERED');
    writeFileSync(file, '{"format": "gatehouse-secrets/1", "secrets": ');
    now.t += 1;
    expect((await failure(store.get('a'))).message).toMatch(/store.json: not valid JSON/);
  });

  it('re-encrypts under a new key while the previous one is still configured', async () => {
    const { file, store } = setup();
    const oldKey = randomBytes(32);
    const legacy = new SecretStore({ file: file + '2', keys: ring(oldKey) });
    await legacy.set('k', VALUE);
    const newKey = randomBytes(32);
    const env = { GATEHOUSE_SECRETS_KEY: newKey.toString('base64'), GATEHOUSE_SECRETS_PREVIOUS_KEY: oldKey.toString('base64') };
    const both = new SecretStore({ file: file + '2', keys: loadKeyRing(env) });
    expect(await both.get('k')).toBe(VALUE);
    expect(await both.rekey()).toBe(1);
    const onlyNew = new SecretStore({ file: file + '2', keys: loadKeyRing({ GATEHOUSE_SECRETS_KEY: newKey.toString('base64') }) });
    expect(await onlyNew.get('k')).toBe(VALUE);
    void store;
  });
});

describe('the key-encryption key', () => {
  it('comes from the environment or a file, and a missing or malformed one is a clear error', () => {
    const key = randomBytes(32);
    expect(loadKeyRing({ GATEHOUSE_SECRETS_KEY: key.toString('base64') }).current.key).toEqual(key);
    const dir = mkdtempSync(join(tmpdir(), 'gh-kek-'));
    writeFileSync(join(dir, 'b64'), `${key.toString('base64')}\n`);
    writeFileSync(join(dir, 'raw'), key);
    expect(loadKeyRing({ GATEHOUSE_SECRETS_KEY_FILE: join(dir, 'b64') }).current.key).toEqual(key);
    expect(loadKeyRing({ GATEHOUSE_SECRETS_KEY_FILE: join(dir, 'raw') }).current.key).toEqual(key);
    expect(() => loadKeyRing({})).toThrow(/no key-encryption key: set GATEHOUSE_SECRETS_KEY/);
    expect(() => loadKeyRing({ GATEHOUSE_SECRETS_KEY: randomBytes(16).toString('base64') })).toThrow(/decodes to 16 bytes, not 32/);
    expect(() => loadKeyRing({ GATEHOUSE_SECRETS_KEY: 'not base64!' })).toThrow(/is not base64/);
    expect(() => loadKeyRing({ GATEHOUSE_SECRETS_KEY_FILE: join(dir, 'missing') })).toThrow(/cannot read \(ENOENT\)/);
    expect(() => loadKeyRing({ GATEHOUSE_SECRETS_KEY: key.toString('base64'), GATEHOUSE_SECRETS_KEY_FILE: join(dir, 'raw') })).toThrow(/set one/);
  });

  it('never echoes a malformed key in its error', () => {
    const almost = randomBytes(31).toString('base64');
    let message = '';
    try {
      loadKeyRing({ GATEHOUSE_SECRETS_KEY: almost });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/GATEHOUSE_SECRETS_KEY decodes to 31 bytes/);
    expect(message).not.toContain(almost);
  });
});
