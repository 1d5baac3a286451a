import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerToken } from '../../src/cli/token.js';
import { heldKeyRing } from '../../src/identity/keyring-registry.js';
import { identityConfigOf } from '../../src/identity/runtime.js';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import type { SigningKeyRing } from '../../src/identity/signing-keyring.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { SPEC } from './setup.js';

const MIN = 60_000;
const ISSUER = 'urn:test:clients';

let dir: string;
let client: SigningKey;
let upstream: TestUpstream;
let gw: StartedGateway;
let ring: SigningKeyRing;
let jwksUrl: URL;
let t0: number;

/** An upstream that trusts nothing but the gateway's published key set. */
async function startVerifyingUpstream(): Promise<TestUpstream> {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  return startUpstream((req, res) => {
    keys ??= createRemoteJWKSet(jwksUrl);
    const token = String(req.headers['x-gatehouse-identity']);
    jwtVerify(token, keys, { issuer: 'urn:gatehouse:gw', audience: 'orders' }).then(
      ({ payload }) => json(res, 200, { sub: payload.sub, kid: decodeProtectedHeader(token).kid }),
      (error: { code?: string }) => json(res, 401, { error: error.code }),
    );
  });
}

/** The clock every part reads (gateway, ring, jose at the upstream); sockets and timers stay real. */
const at = (offset: number) => vi.setSystemTime(t0 + offset);

async function call(): Promise<{ status: number; body: { sub?: string; kid?: string; error?: string } }> {
  const token = await mintToken(client, { issuer: ISSUER, audience: 'orders-api', subject: 'carol', ttlSeconds: 120, scopes: ['orders:read'] });
  const res = await fetch(`${gw.url}/v1/orders`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() as { sub?: string; kid?: string } };
}

async function published(): Promise<string[]> {
  const res = await fetch(jwksUrl);
  expect(res.headers.get('cache-control')).toBe('public, max-age=60');
  return ((await res.json()) as { keys: JWK[] }).keys.map((k) => k.kid ?? '');
}

beforeAll(async () => {
  t0 = Date.now();
  vi.useFakeTimers({ toFake: ['Date'], now: t0 });
  dir = await scratchDir('gh-rotation-');
  client = await loadSigningKey(path.join(dir, 'client.jwk'), { create: true });
  writeFileSync(path.join(dir, 'client-jwks.json'), JSON.stringify(publicJwks(client)));
  upstream = await startVerifyingUpstream();
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'identity:',
    `  issuers: [{ issuer: "${ISSUER}", audience: orders-api, jwks: "file:client-jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }]`,
    '  signing: { key: keys/signing.json, issuer: urn:gatehouse:gw, rotateEvery: 1h, maxTokenLifetime: 5m }',
    'apis:',
    '  - name: orders',
    `    spec: ${SPEC}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s, connectTimeout: 500ms }`,
    '    policies:',
    '      forwardIdentity:',
    '        token: { header: x-gatehouse-identity, ttl: 60s }',
  ].join('\n'));
  jwksUrl = new URL(`${gw.adminUrl}/.well-known/jwks.json`);
  const signing = identityConfigOf(gw.gateway.config).signing;
  if (signing === undefined) throw new Error('no signing config');
  const held = heldKeyRing(signing);
  if (held === undefined) throw new Error('the runtime does not hold the key ring');
  ring = await held;
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  vi.useRealTimers();
});

describe('signing key rotation end to end', () => {
  let first: string;
  let before: string;

  it('the upstream verifies the forwarded token with the published key set', async () => {
    first = ring.current().kid;
    expect(await published()).toEqual([first]);
    expect(await call()).toEqual({ status: 200, body: { sub: 'carol', kid: first } });
  });

  it('rotates on schedule: the next key is published ahead, then signs; the upstream follows', async () => {
    at(30 * MIN);
    expect(await ring.rotateIfDue()).toBe(false);
    at(58 * MIN);
    before = await mintToken(ring.current(), { issuer: 'urn:gatehouse:gw', audience: 'orders', subject: 'dave', ttlSeconds: 300 });
    expect(await ring.rotateIfDue()).toBe(true);
    const next = ring.keys().find((k) => k.kid !== first)?.kid ?? '';
    expect(await published()).toEqual([first, next]);
    expect((await call()).body.kid).toBe(first);
    at(60 * MIN + 1000);
    // The upstream's cached set lacks the new key: jose fetches it again, from the gateway.
    expect(await call()).toEqual({ status: 200, body: { sub: 'carol', kid: next } });
    // The token signed before the rotation still verifies against what the gateway publishes.
    await expect(jwtVerify(before, createRemoteJWKSet(jwksUrl))).resolves.toBeDefined();
  });

  it('keeps the old key until its tokens expire (5m + 1m skew after retirement), then drops it', async () => {
    at(65 * MIN);
    await ring.rotateIfDue();
    expect(await published()).toContain(first);
    at(66 * MIN + 1000);
    await ring.rotateIfDue();
    expect(await published()).not.toContain(first);
    await expect(jwtVerify(before, createRemoteJWKSet(jwksUrl), { currentDate: new Date(t0 + 62 * MIN) })).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect((await call()).status).toBe(200);
  });

  it('`gatehouse token rotate` makes a new key the running gateway signs with at once', async () => {
    const out: string[] = [];
    const write = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { out.push(String(s)); return true; });
    const errs: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { errs.push(String(s)); return true; });
    const program = new Command().exitOverride();
    registerToken(program);
    await program.parseAsync(['node', 'gatehouse', 'token', 'rotate', '--config', path.join(dir, 'gatehouse.yaml')]);
    await program.parseAsync(['node', 'gatehouse', 'token', '--sub', 'erin', '--config', path.join(dir, 'gatehouse.yaml')]);
    write.mockRestore();
    err.mockRestore();
    expect(errs.join('')).toContain('1 older key(s) kept');
    expect(process.exitCode, errs.join('')).toBeUndefined();
    const kid = out[0]?.trim() ?? '';
    expect(kid).toMatch(/^[\w-]{43}$/);
    expect(decodeProtectedHeader(out[1] ?? '').kid).toBe(kid);
    // Past the upstream's 30 s refetch cooldown (a hand rotation is not published ahead).
    at(67 * MIN + 1000);
    expect(await call()).toEqual({ status: 200, body: { sub: 'carol', kid } });
    expect(await published()).toContain(kid);
  });

  it('a corrupt key file fails the forwarded identity closed and the log names the file', async () => {
    const file = path.join(dir, 'keys', 'signing.json');
    writeFileSync(file, '{ "keys": [ { "createdAt": ');
    expect((await call()).status).toBe(503);
    const logged = gw.logs.find((l) => l.msg === 'cannot sign the forwarded identity token');
    expect(String(logged?.err)).toContain(`the signing key file ${file} is not valid JSON`);
    expect((await fetch(jwksUrl)).status).toBe(500);
  });
});
