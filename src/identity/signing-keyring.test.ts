import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { acquireKeyRing, heldKeyRing } from './keyring-registry.js';
import { loadSigningKey, mintToken } from './signing-key.js';
import { KEY_FILE_ERROR, SigningKeyRing } from './signing-keyring.js';

const MIN = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const fresh = () => path.join(mkdtempSync(path.join(tmpdir(), 'gh-ring-')), 'keys', 'signing.json');
const options = (clock: { t: number }) => ({ create: true, rotateEveryMs: 60 * MIN, maxTokenTtlMs: 5 * MIN, skewMs: MIN, publishAheadMs: 2 * MIN, now: () => clock.t });
const kids = (ring: SigningKeyRing, at: number) => ring.publicJwks(at).keys.map((k) => k.kid);

describe('signing key ring', () => {
  it('publishes the next key ahead of its use and switches to it on schedule', async () => {
    const clock = { t: T0 };
    const ring = await SigningKeyRing.open(fresh(), options(clock));
    const first = ring.current().kid;
    clock.t = T0 + 30 * MIN;
    expect(await ring.rotateIfDue()).toBe(false);
    clock.t = T0 + 58 * MIN;
    expect(await ring.rotateIfDue()).toBe(true);
    const next = ring.keys().find((k) => k.kid !== first);
    expect(next?.activeFrom).toBe(T0 + 60 * MIN);
    // Published two minutes early, not yet signing.
    expect(ring.current().kid).toBe(first);
    expect(kids(ring, clock.t)).toEqual([first, next?.kid]);
    expect(ring.current(T0 + 60 * MIN).kid).toBe(next?.kid);
    // Nothing more to do until the next key is itself due.
    expect(await ring.rotateIfDue(T0 + 61 * MIN)).toBe(false);
    expect(ring.keys()).toHaveLength(2);
  });

  it('keeps a retired key published until its last token expires, then drops it', async () => {
    const clock = { t: T0 };
    const file = fresh();
    const ring = await SigningKeyRing.open(file, options(clock));
    const old = ring.current();
    const token = await mintToken(old, { issuer: 'urn:gw', audience: 'api', subject: 'alice', ttlSeconds: 300, now: T0 + 59 * MIN });
    await ring.rotateIfDue(T0 + 58 * MIN);
    expect(decodeProtectedHeader(token).kid).toBe(old.kid);
    // Retired at 60m; its tokens live 5m more, plus 1m skew: published until 66m.
    const verifyAt = (at: number) => jwtVerify(token, createLocalJWKSet(ring.publicJwks(at)), { currentDate: new Date(T0 + 63 * MIN) });
    await expect(verifyAt(T0 + 65 * MIN)).resolves.toBeDefined();
    expect(await ring.rotateIfDue(T0 + 65 * MIN)).toBe(false);
    expect(ring.keys().map((k) => k.kid)).toContain(old.kid);
    await ring.rotateIfDue(T0 + 66 * MIN + 1);
    expect(ring.keys().map((k) => k.kid)).not.toContain(old.kid);
    expect(readFileSync(file, 'utf8')).not.toContain(old.kid);
    await expect(verifyAt(T0 + 66 * MIN + 1)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });

  it('rings racing on one file agree on one new key and never lose the one they sign with', async () => {
    const clock = { t: T0 };
    const file = fresh();
    const a = await SigningKeyRing.open(file, options(clock));
    const b = await SigningKeyRing.open(file, options(clock));
    expect(b.current().kid).toBe(a.current().kid);
    clock.t = T0 + 59 * MIN;
    const [ra, rb] = await Promise.all([a.rotateIfDue(), b.rotateIfDue()]);
    expect(ra && rb).toBe(true);
    expect(a.keys()).toHaveLength(2);
    await b.refresh();
    expect(b.keys().map((k) => k.kid)).toEqual(a.keys().map((k) => k.kid));
    expect(b.current(T0 + 61 * MIN).kid).toBe(a.current(T0 + 61 * MIN).kid);
    // A hand rotation by a third party is seen by the others on their next look.
    const forced = await (await SigningKeyRing.open(file, options(clock))).rotate();
    expect(await a.rotateIfDue()).toBe(true);
    expect(a.current().kid).toBe(forced.kid);
    // More processes at once: each signs with the key it ended up with, and that key must be in the file.
    const others = await Promise.all(Array.from({ length: 6 }, () => SigningKeyRing.open(file, options(clock))));
    clock.t = T0 + 119 * MIN;
    const chosen = await Promise.all(others.map(async (ring) => { await ring.rotateIfDue(); return ring.current(T0 + 121 * MIN).kid; }));
    const onDisk = (JSON.parse(readFileSync(file, 'utf8')) as { keys: { jwk: { kid: string } }[] }).keys.map((k) => k.jwk.kid);
    expect(onDisk).toHaveLength(2); // the keys retired at 59-60m have expired meanwhile (window: 6m)
    expect(new Set(chosen).size).toBe(1);
    expect(onDisk).toContain(chosen[0]);
    expect(readdirSync(path.dirname(file))).toEqual(['signing.json']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('reads the single-key file format and rotates it into a ring', async () => {
    const file = fresh();
    const legacy = await loadSigningKey(file, { create: true });
    const clock = { t: statSync(file).mtimeMs + 10 * MIN };
    const ring = await SigningKeyRing.open(file, { ...options(clock), create: false });
    expect(ring.current().kid).toBe(legacy.kid);
    expect(await ring.rotateIfDue()).toBe(false);
    clock.t += 60 * MIN;
    expect(await ring.rotateIfDue()).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'gatehouse-signing-keys/1', keys: [{ jwk: { kid: legacy.kid } }, {}] });
    // loadSigningKey still reads the file (the current key, not the one published ahead).
    expect((await loadSigningKey(file)).kid).toBe(legacy.kid);
  });

  it('names the file and the fault when the key file is corrupt', async () => {
    const file = fresh();
    await SigningKeyRing.open(file, { create: true });
    writeFileSync(file, '{"keys": [ {"createdAt": "2026-01-01T00:00:00Z", "jwk": ');
    await expect(SigningKeyRing.open(file)).rejects.toMatchObject({ code: KEY_FILE_ERROR, message: expect.stringContaining(`the signing key file ${file} is not valid JSON`) });
    writeFileSync(file, JSON.stringify({ keys: [{ createdAt: 'yesterday', jwk: {} }] }));
    await expect(SigningKeyRing.open(file)).rejects.toThrow(`the signing key file ${file} keys[0].createdAt must be an ISO date`);
    writeFileSync(file, JSON.stringify({ keys: [{ createdAt: '2026-01-01T00:00:00Z', jwk: { kty: 'oct', k: 'c2VjcmV0' } }] }));
    await expect(SigningKeyRing.open(file)).rejects.toThrow(`${file} keys[0].jwk: must be a private EC P-256 JWK`);
    writeFileSync(file, JSON.stringify({ keys: [] }));
    await expect(SigningKeyRing.open(file)).rejects.toThrow('with at least one key');
    await expect(SigningKeyRing.open(`${file}.missing`)).rejects.toThrow(`${file}.missing cannot be read (ENOENT)`);
  });

  it('a held ring rotates on its own timer and stops when released', async () => {
    const file = fresh();
    const settings = { keyFile: file, issuer: 'urn:gw', audience: 'api', rotateEveryMs: 1_000, maxTokenLifetimeMs: 60_000 };
    const held = acquireKeyRing(settings, (error) => { throw error; });
    const ring = await held.ring();
    const first = ring.current().kid;
    const deadline = Date.now() + 4_000;
    while (ring.keys().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(ring.keys()).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 700));
    expect(ring.current().kid).not.toBe(first);
    held.release();
    expect(heldKeyRing(settings)).toBeUndefined();
  });
});
