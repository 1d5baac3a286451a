import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JwksCache, keySetFileProblem } from './jwks.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(handler: (path: string, base: string) => unknown): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  let base = '';
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(handler(req.url ?? '', base)));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits };
}

const options = { cooldownMs: 60_000, maxAgeMs: 600_000, timeoutMs: 1000 };

describe('JwksCache', () => {
  it('follows discovery to jwks_uri when the metadata names the same issuer', async () => {
    const { base, hits } = await serve((path, b) => path.startsWith('/.well-known') ? { issuer: b, jwks_uri: `${b}/keys` } : { keys: [] });
    const cache = new JwksCache({ kind: 'discovery', issuer: base }, options);
    expect(await cache.refresh()).toBe(true);
    expect(hits).toEqual(['/.well-known/openid-configuration', '/keys']);
  });

  it('refuses discovery metadata that names another issuer (mix-up)', async () => {
    const errors: string[] = [];
    const { base } = await serve(() => ({ issuer: 'https://evil.example', jwks_uri: 'https://evil.example/keys' }));
    const cache = new JwksCache({ kind: 'discovery', issuer: base }, { ...options, onError: (e) => errors.push(e) });
    expect(await cache.refresh()).toBe(false);
    expect(errors[0]).toContain('names issuer https://evil.example');
  });

  it('fetches once for a burst of unknown kids within the cooldown', async () => {
    const { base, hits } = await serve(() => ({ keys: [] }));
    const cache = new JwksCache({ kind: 'url', url: `${base}/keys` }, options);
    const attempts = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => cache.getKey({ alg: 'ES256', kid: `k${i}` }, { payload: '', signature: '' } as never)));
    expect(attempts.every((a) => a.status === 'rejected')).toBe(true);
    expect(hits).toHaveLength(1);
  });
});

describe('keySetFileProblem (gatehouse check-config)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-jwks-check-'));
  let ec: JWK;
  let rsa: JWK;
  let ecPrivate: JWK;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    ec = { ...await exportJWK(pair.publicKey), kid: 'ec', use: 'sig' };
    ecPrivate = { ...await exportJWK(pair.privateKey), kid: 'ec' };
    rsa = { ...await exportJWK((await generateKeyPair('RS256', { extractable: true })).publicKey), kid: 'rsa' };
  });
  const file = (name: string, content: unknown): string => {
    const p = path.join(dir, name);
    writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };

  it('accepts a key set with a public key for one of the issuer\'s algorithms', async () => {
    expect(await keySetFileProblem(file('ok.json', { keys: [rsa, ec] }), ['ES256'])).toBeUndefined();
    // Without kids jose has several candidates to try: one that imports is enough.
    expect(await keySetFileProblem(file('two.json', { keys: [{ ...ec, kid: undefined }, { ...ec, kid: undefined, x: 'broken' }] }), ['ES256'])).toBeUndefined();
    // The gateway drops private members and verifies with what is left (and so does the check).
    expect(await keySetFileProblem(file('private.json', { keys: [ecPrivate] }), ['ES256'])).toBeUndefined();
  });

  it.each([
    ['a missing file', () => path.join(dir, 'missing.json'), 'key set file not found'],
    ['a folder', () => dir, 'key set file not readable (EISDIR)'],
    ['a file that is not JSON', () => file('text.json', 'keys: [ec]'), 'key set file is not JSON'],
    ['JSON without a keys array', () => file('object.json', { kty: 'EC' }), 'key set file is not a JWK set (no "keys" array)'],
    ['an empty key set', () => file('empty.json', { keys: [] }), 'key set file has no public key usable with ES256'],
    ['only a symmetric key (HS256 key confusion)', () => file('oct.json', { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] }), 'has no public key usable'],
    ['only encryption keys', () => file('enc.json', { keys: [{ ...ec, use: 'enc' }] }), 'has no public key usable'],
    ['only keys of another algorithm', () => file('rsa.json', { keys: [rsa] }), 'has no public key usable with ES256'],
    ['a key whose alg is not allowed', () => file('alg.json', { keys: [{ ...ec, alg: 'ES384' }] }), 'has no public key usable'],
    ['a key that cannot be imported', () => file('broken.json', { keys: [{ ...ec, x: 'AAAA' }] }), 'has no public key usable'],
  ])('reports %s with its path', async (_name, where, message) => {
    const p = where();
    const problem = await keySetFileProblem(p, ['ES256']);
    expect(problem).toContain(message);
    expect(problem).toContain(p);
  });
});
