import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { loadSpecFromString } from '../openapi/index.js';
import { apiNames, crackHmac, hmacAlg, maskSecret, signHmac } from './jwt-crack.js';
import { COMMON_SECRETS, nameVariants } from './jwt-secrets.js';

const sign = (secret: string | Uint8Array, alg = 'HS256'): Promise<string> =>
  new SignJWT({ role: 'user' }).setProtectedHeader({ alg }).setSubject('42').setIssuedAt().setExpirationTime('1h')
    .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret);

describe('weak JWT secrets', () => {
  it('recovers secrets from the bundled list for HS256, HS384 and HS512 tokens', async () => {
    for (const [alg, secret] of [['HS256', 'secret'], ['HS384', 'your-256-bit-secret'], ['HS512', 'changeme']] as const) {
      expect(crackHmac(await sign(secret, alg), [])).toEqual({ secret, alg, source: 'common' });
    }
  });

  it('recovers a secret made from the API\'s own name, which no fixed list holds', async () => {
    const names = ['Orchard Ledger API', 'https://ledger.orchard.example/api/v3'];
    for (const secret of ['orchard-ledger-secret', 'OrchardLedger2024', 'ledger_jwt_secret', 'ORCHARD_KEY']) {
      expect(COMMON_SECRETS).not.toContain(secret);
      expect(crackHmac(await sign(secret), names)).toMatchObject({ secret, source: 'name' });
    }
  });

  it('does not recover a random secret, and ignores tokens that are not HMAC-signed', async () => {
    expect(crackHmac(await sign(randomBytes(32)), ['Orchard Ledger'])).toBeUndefined();
    expect(hmacAlg('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')).toBeUndefined();
    expect(crackHmac('eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', [])).toBeUndefined();
    expect(crackHmac('not-a-token', [])).toBeUndefined();
  });

  it('takes the names from the spec title, server host and base path', () => {
    const spec = loadSpecFromString('openapi: 3.0.3\ninfo: { title: Harbour Freight, version: "1" }\nservers: [{ url: "https://cargo.harbour.example/v2" }]\npaths: {}\n', 'x.yaml');
    const names = apiNames(spec, 'http://127.0.0.1:8080');
    expect(names).toEqual(expect.arrayContaining(['Harbour Freight', 'cargo']));
    expect(nameVariants(names)).toEqual(expect.arrayContaining(['harbour-freight', 'freight_secret', 'cargo123', 'HarbourFreight']));
  });

  it('signs a forged token a verifier with the same secret accepts', async () => {
    const forged = signHmac({ alg: 'HS384', typ: 'JWT' }, { sub: 'x' }, 'secret');
    expect(crackHmac(forged, [])).toMatchObject({ secret: 'secret', alg: 'HS384' });
  });

  it('masks a recovered secret in what it reports', () => {
    expect(maskSecret('helpdesk_secret')).toBe('"he************t" (15 characters)');
    expect(maskSecret('key')).toBe('"k**" (3 characters)');
    expect(maskSecret('')).toBe('(the empty string)');
  });
});
