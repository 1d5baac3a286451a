import { KeyObject, createHmac, createSign, sign as cryptoSign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IssuerConfig } from './identity-config.js';
import { JwksCache } from './jwks.js';
import { JwtVerifier } from './jwt-verifier.js';

const ISS = 'https://idp.test';
const AUD = 'orders';
const NOW = Date.UTC(2026, 0, 1) ;
const nowS = Math.floor(NOW / 1000);
const dir = mkdtempSync(path.join(tmpdir(), 'gh-jwt-'));
const jwksFile = path.join(dir, 'jwks.json');

let ec: { privateKey: CryptoKey; publicKey: CryptoKey };
let rsa: { privateKey: CryptoKey; publicKey: CryptoKey };
let other: { privateKey: CryptoKey; publicKey: CryptoKey };
let ecJwk: JWK;
let rsaJwk: JWK;

function issuer(overrides: Partial<IssuerConfig> = {}): IssuerConfig {
  return {
    issuer: ISS, audiences: [AUD], jwks: { kind: 'file', path: jwksFile }, algorithms: ['ES256', 'RS256'],
    maxTokenLifetimeMs: 3_600_000, clockSkewMs: 30_000, rolesClaim: ['roles'], subjectClaim: 'sub', ...overrides,
  };
}

function verifier(config = issuer(), now = () => NOW): { v: JwtVerifier; jwks: JwksCache } {
  const jwks = new JwksCache(config.jwks, { cooldownMs: 0, maxAgeMs: 60_000, timeoutMs: 1000, now });
  return { v: new JwtVerifier({ issuers: [{ config, jwks }], cacheSize: 100, now }), jwks };
}

function sign(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key: CryptoKey = ec.privateKey): Promise<string> {
  const alg = (header.alg as string | undefined) ?? 'ES256';
  return new SignJWT({ sub: 'alice', scope: 'orders:read orders:write', roles: ['user'], ...claims })
    .setProtectedHeader({ alg, kid: alg.startsWith('RS') ? 'rsa-1' : 'ec-1', typ: 'at+jwt', ...header })
    .setIssuer((claims.iss as string | undefined) ?? ISS)
    .setAudience((claims.aud as string | undefined) ?? AUD)
    .setIssuedAt((claims.iat as number | undefined) ?? nowS - 10)
    .setExpirationTime((claims.exp as number | undefined) ?? nowS + 300)
    .sign(key);
}

/** Builds a compact JWS by hand, for headers and signatures jose refuses to produce. */
function craft(header: Record<string, unknown> | string, payload: Record<string, unknown> | string, signature: (input: string) => string): string {
  const enc = (v: Record<string, unknown> | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const input = `${enc(header)}.${enc(payload)}`;
  return `${input}.${signature(input)}`;
}

/** A valid ES256 signature over whatever header and payload the attack needs. */
const es256 = (input: string): string => cryptoSign('sha256', Buffer.from(input), { key: KeyObject.from(ec.privateKey), dsaEncoding: 'ieee-p1363' }).toString('base64url');

const claims = () => ({ iss: ISS, aud: AUD, sub: 'alice', iat: nowS - 10, exp: nowS + 300 });

beforeAll(async () => {
  ec = await generateKeyPair('ES256', { extractable: true });
  rsa = await generateKeyPair('RS256', { extractable: true });
  other = await generateKeyPair('ES256', { extractable: true });
  ecJwk = { ...await exportJWK(ec.publicKey), kid: 'ec-1', alg: 'ES256' };
  rsaJwk = { ...await exportJWK(rsa.publicKey), kid: 'rsa-1', alg: 'RS256' };
  writeFileSync(jwksFile, JSON.stringify({ keys: [ecJwk, rsaJwk] }));
});

describe('JwtVerifier', () => {
  it('accepts a valid ES256 token and reads scopes and roles', async () => {
    const r = await verifier().v.verify(await sign());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.identity.subject).toBe('alice');
    expect([...r.identity.scopes]).toEqual(['orders:read', 'orders:write']);
    expect(r.identity.roles.has('user')).toBe(true);
    expect(r.identity.credentialId).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('accepts a hand-built token signed with node:crypto (the twin of the crafted attacks)', async () => {
    expect((await verifier().v.verify(craft({ alg: 'ES256', kid: 'ec-1' }, claims(), es256))).ok).toBe(true);
  });

  it('accepts RS256 and reads scopes from an scp array', async () => {
    const r = await verifier().v.verify(await sign({ scope: undefined, scp: ['a', 'b'] }, { alg: 'RS256' }, rsa.privateKey));
    expect(r.ok && [...r.identity.scopes]).toEqual(['a', 'b']);
  });

  const refusals: [string, () => Promise<string>, string][] = [
    ['alg none', async () => craft({ alg: 'none', typ: 'JWT' }, claims(), () => ''), 'alg none'],
    ['HS256 signed with the RSA public key (key confusion)', async () => {
      const secret = await exportSPKI(rsa.publicKey);
      return craft({ alg: 'HS256', kid: 'rsa-1' }, claims(), (input) => createHmac('sha256', secret).update(input).digest('base64url'));
    }, 'alg HS256 not allowed'],
    ['an embedded jwk header', () => sign({}, { jwk: ecJwk }), 'header carries jwk'],
    ['a jku header', () => sign({}, { jku: 'https://evil.test/jwks' }), 'header carries jku'],
    ['an x5u header', () => sign({}, { x5u: 'https://evil.test/cert' }), 'header carries x5u'],
    // Opaque key ids: compared with the key set's, never used as a path or a query.
    ['a kid that is a path', () => sign({}, { kid: '../../../../dev/null' }), 'unknown kid'],
    ['a kid that is SQL', () => sign({}, { kid: "x' UNION SELECT 'key" }), 'unknown kid'],
    ['a kid with a control character', () => sign({}, { kid: 'ec-1\n{"level":60}' }), 'kid is not a printable string'],
    ['a kid longer than 256 characters', () => sign({}, { kid: 'k'.repeat(257) }), 'kid is not a printable string'],
    ['a crit header', async () => craft({ alg: 'ES256', kid: 'ec-1', crit: ['exp'], exp: 1 }, claims(), es256), 'header carries crit'],
    ['b64 false', async () => craft({ alg: 'ES256', kid: 'ec-1', b64: false, crit: ['b64'] }, claims(), es256), 'header carries'],
    ['a duplicate header member', async () => craft('{"alg":"ES256","kid":"ec-1","alg":"none"}', claims(), es256), 'unique member names'],
    ['duplicate claim names', async () => {
      const payload = `{"iss":"${ISS}","aud":"${AUD}","sub":"alice","sub":"admin","iat":${nowS},"exp":${nowS + 60}}`;
      return craft({ alg: 'ES256', kid: 'ec-1' }, payload, es256);
    }, 'unique member names'],
    ['an ECDSA signature with r = s = 0', async () => craft({ alg: 'ES256', kid: 'ec-1' }, claims(), () => Buffer.alloc(64).toString('base64url')), 'r or s zero'],
    ['an expired token', () => sign({ iat: nowS - 400, exp: nowS - 60 }), 'token expired'],
    ['a token not yet valid', () => sign({ nbf: nowS + 600 }), 'nbf'],
    ['a wrong audience', () => sign({ aud: 'billing' }), 'aud'],
    ['a wrong issuer', () => sign({ iss: 'https://evil.test' }), 'issuer not trusted'],
    ['a token signed by a key not in the JWKS', () => sign({}, {}, other.privateKey), 'signature verification failed'],
    ['a token lifetime above the maximum', () => sign({ iat: nowS - 10, exp: nowS + 7200 }), 'lifetime'],
    ['an iat in the future', () => sign({ iat: nowS + 600, exp: nowS + 900 }), 'iat'],
    ['an ID token type', () => sign({}, { typ: 'dpop+jwt' }), 'typ'],
    ['an RS256 signature made with createSign over a different payload', async () => {
      const token = craft({ alg: 'RS256', kid: 'rsa-1' }, claims(), () => 'x');
      const [h, p] = token.split('.');
      const sig = createSign('RSA-SHA256').update(`${h}.${Buffer.from('{}').toString('base64url')}`).sign(await exportPem(rsa.privateKey), 'base64url');
      return `${h}.${p}.${sig}`;
    }, 'signature verification failed'],
  ];

  for (const [name, make, reason] of refusals) {
    it(`refuses ${name}`, async () => {
      const r = await verifier().v.verify(await make());
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toContain(reason);
    });
  }

  it('answers GH_AUTHN_TOKEN_EXPIRED for an expired token and accepts it within the skew', async () => {
    const r = await verifier().v.verify(await sign({ exp: nowS - 60 }));
    expect(!r.ok && r.code).toBe('GH_AUTHN_TOKEN_EXPIRED');
    expect((await verifier().v.verify(await sign({ exp: nowS - 5 }))).ok).toBe(true);
  });

  it('refuses an algorithm the issuer does not allow even with a valid signature', async () => {
    const r = await verifier(issuer({ algorithms: ['ES256'] })).v.verify(await sign({}, { alg: 'RS256' }, rsa.privateKey));
    expect(!r.ok && r.reason).toContain('not allowed');
  });

  it('serves a verified token from the cache until its exp, then refuses it', async () => {
    let now = NOW;
    const { v } = verifier(issuer(), () => now);
    const token = await sign({ exp: nowS + 60 });
    expect((await v.verify(token)).ok).toBe(true);
    now = NOW + 50_000;
    expect((await v.verify(token)).ok).toBe(true);
    now = NOW + 120_000;
    const r = await v.verify(token);
    expect(!r.ok && r.code).toBe('GH_AUTHN_TOKEN_EXPIRED');
  });

  it('refuses a cached token once its key has left the JWKS', async () => {
    const { v, jwks } = verifier();
    const token = await sign();
    expect((await v.verify(token)).ok).toBe(true);
    writeFileSync(jwksFile, JSON.stringify({ keys: [rsaJwk] }));
    try {
      expect(await jwks.refresh()).toBe(true);
      const r = await v.verify(token);
      expect(!r.ok && r.reason).toContain('unknown kid');
    } finally {
      writeFileSync(jwksFile, JSON.stringify({ keys: [ecJwk, rsaJwk] }));
    }
  });

  it('fails closed with 503 when the key set cannot be loaded at all', async () => {
    const { v } = verifier(issuer({ jwks: { kind: 'file', path: path.join(dir, 'missing.json') } }));
    const r = await v.verify(await sign());
    expect(!r.ok && r.code).toBe('GH_DEPENDENCY_UNAVAILABLE');
  });

  it('ignores symmetric keys published in a JWKS', async () => {
    const file = path.join(dir, 'oct.json');
    writeFileSync(file, JSON.stringify({ keys: [{ kty: 'oct', kid: 'hs', k: Buffer.from('secret').toString('base64url') }] }));
    const token = craft({ alg: 'HS256', kid: 'hs' }, claims(), (input) => createHmac('sha256', 'secret').update(input).digest('base64url'));
    const r = await verifier(issuer({ jwks: { kind: 'file', path: file }, algorithms: ['ES256'] })).v.verify(token);
    expect(r.ok).toBe(false);
  });

  it('compares kids as opaque strings: standard base64 ids with / + = @ work, a kid differing in case names another key', async () => {
    const kid = 'Zm9v/YmFy+cXV4=@idp.example';
    const file = path.join(dir, 'base64-kids.json');
    // The same id in another case belongs to another key: a case-folding lookup would pick the wrong one.
    writeFileSync(file, JSON.stringify({ keys: [{ ...ecJwk, kid }, { ...await exportJWK(other.publicKey), kid: kid.toLowerCase(), alg: 'ES256' }] }));
    const { v } = verifier(issuer({ jwks: { kind: 'file', path: file } }));
    expect((await v.verify(await sign({}, { kid }))).ok).toBe(true);
    expect((await v.verify(await sign({ sub: 'bob' }, { kid: kid.toLowerCase() }, other.privateKey))).ok).toBe(true);
    const swapped = await v.verify(await sign({ sub: 'mallory' }, { kid: kid.toLowerCase() }));
    expect(!swapped.ok && swapped.reason).toBe('signature verification failed');
    const unknown = await v.verify(await sign({ sub: 'mallory' }, { kid: `${kid} ` }));
    expect(!unknown.ok && unknown.reason).toContain('unknown kid');
  });
});

async function exportPem(key: CryptoKey): Promise<string> {
  const { exportPKCS8 } = await import('jose');
  return exportPKCS8(key);
}
