import { KeyObject, createHmac, createPublicKey, sign as cryptoSign } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningJwk } from './idp.js';
import { call, startIdentityStack, type IdentityStack } from './setup.js';

let stack: IdentityStack;
let attacker: { privateKey: CryptoKey; publicKey: CryptoKey };
let attackerJwk: JWK;
let idpJwks: { keys: JWK[] };

beforeAll(async () => {
  stack = await startIdentityStack();
  attacker = await generateKeyPair('ES256', { extractable: true });
  attackerJwk = await exportJWK(attacker.publicKey);
  idpJwks = await (await fetch(`${stack.idp.issuer}/jwks`)).json() as { keys: JWK[] };
});
afterAll(async () => {
  await stack.close();
});

const enc = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const segments = (token: string): [Record<string, unknown>, Record<string, unknown>, string] => {
  const [h, p, s] = token.split('.') as [string, string, string];
  return [JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>, JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>, s];
};
/** Claims like the IdP's, signed by the attacker with whatever header the attack needs. */
function forge(header: Record<string, unknown> | string, claims: Record<string, unknown> | string): string {
  const input = `${enc(header)}.${enc(claims)}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key: KeyObject.from(attacker.privateKey), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

describe('JWT bearer tokens from a real OpenID provider', () => {
  it('refuses a request without a token with 401 and a Bearer challenge, and serves a public operation', async () => {
    const res = await call(stack, 'GET', '/v1/orders');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('GH_AUTHN_REQUIRED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="orders"');
    expect(stack.upstream.requests.filter((r) => r.url === '/v1/orders')).toHaveLength(0);
    expect((await call(stack, 'GET', '/v1/health')).status).toBe(200);
  });

  it('accepts a client-credentials token from the IdP (discovery + JWKS)', async () => {
    const res = await call(stack, 'GET', '/v1/orders', { token: await stack.idp.token() });
    expect(res.status).toBe(200);
  });

  it('refuses a garbage token with invalid_token and a safe detail', async () => {
    const res = await call(stack, 'GET', '/v1/orders', { token: 'abc.def.ghi' });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('GH_AUTHN_INVALID');
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(res.body.detail).toBe('the credentials could not be verified');
  });

  describe('refuses each attack while its legitimate twin passes', () => {
    let genuine: string;
    let claims: Record<string, unknown>;
    let header: Record<string, unknown>;
    beforeAll(async () => {
      genuine = await stack.idp.token();
      [header, claims] = segments(genuine);
    });

    const attacks: [string, () => string | Promise<string>][] = [
      ['alg none', () => `${enc({ alg: 'none', typ: 'at+jwt' })}.${enc(claims)}.`],
      ['HS256 signed with the IdP public key as HMAC secret (key confusion)', () => {
        const pem = createPublicKey({ key: idpJwks.keys[0] as JWK & { kty: string }, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
        const input = `${enc({ alg: 'HS256', typ: 'at+jwt', kid: header.kid })}.${enc(claims)}`;
        return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      }],
      ['an embedded jwk of the attacker', () => forge({ ...header, jwk: attackerJwk }, claims)],
      ['a jku pointing at the attacker', () => forge({ ...header, jku: 'http://127.0.0.1:1/jwks' }, claims)],
      ['an x5u pointing at the attacker', () => forge({ ...header, x5u: 'http://127.0.0.1:1/cert.pem' }, claims)],
      ['a kid that is a path', () => forge({ ...header, kid: '../../../../../dev/null' }, claims)],
      ['a kid that is SQL', () => forge({ ...header, kid: "k1' OR '1'='1" }, claims)],
      ['an ECDSA signature with r and s zero', () => `${enc(header)}.${enc(claims)}.${Buffer.alloc(64).toString('base64url')}`],
      ['a crit header', () => forge({ ...header, crit: ['exp'] }, claims)],
      ['b64 false', () => forge({ ...header, b64: false, crit: ['b64'] }, claims)],
      ['duplicate claims (sub twice)', () => forge(header, JSON.stringify(claims).replace('{', '{"sub":"admin",'))],
      ['a claim changed after signing', () => {
        const [h, , s] = genuine.split('.') as [string, string, string];
        return `${h}.${enc({ ...claims, scope: 'orders:read admin' })}.${s}`;
      }],
      ['a token signed by a key not in the JWKS with a known kid', () => forge(header, claims)],
      ['a wrong audience', async () => stack.mint({ audience: 'billing-api' })],
      ['a wrong issuer (unknown)', async () => new SignJWT({ scope: 'orders:read' }).setProtectedHeader({ alg: 'ES256', kid: stack.local.kid }).setIssuer('https://evil.example').setAudience('orders-api').setSubject('x').setIssuedAt().setExpirationTime('2m').sign(stack.local.privateKey)],
      ['the IdP issuer with the local issuer key', async () => new SignJWT({ scope: 'orders:read' }).setProtectedHeader({ alg: 'ES256', kid: stack.local.kid }).setIssuer(stack.idp.issuer).setAudience('orders-api').setSubject('x').setIssuedAt().setExpirationTime('2m').sign(stack.local.privateKey)],
      ['an expired token', async () => stack.mint({ now: Date.now() - 600_000, ttlSeconds: 120 })],
      ['a token not yet valid', async () => new SignJWT({ nbf: Math.floor(Date.now() / 1000) + 600 }).setProtectedHeader({ alg: 'ES256', kid: stack.local.kid }).setIssuer('urn:test:local-issuer').setAudience('orders-api').setSubject('x').setIssuedAt().setExpirationTime('9m').sign(stack.local.privateKey)],
      ['a token living longer than maxTokenLifetime', async () => stack.mint({ ttlSeconds: 3600 })],
    ];

    for (const [name, make] of attacks) {
      it(`refuses ${name}`, async () => {
        const attack = await call(stack, 'GET', '/v1/orders', { token: await make() });
        expect(attack.status).toBe(401);
        expect(['GH_AUTHN_INVALID', 'GH_AUTHN_TOKEN_EXPIRED']).toContain(attack.body.code);
        const twin = await call(stack, 'GET', '/v1/orders', { token: genuine });
        expect(twin.status).toBe(200);
      });
    }

    it('accepts the local issuer\'s token (several issuers at once)', async () => {
      expect((await call(stack, 'GET', '/v1/orders', { token: await stack.mint({ scopes: ['orders:read'] }) })).status).toBe(200);
    });

    it('never writes the token to the log', async () => {
      await call(stack, 'GET', '/v1/orders', { token: await make401() });
      const text = JSON.stringify(stack.gw.logs);
      expect(text).not.toContain(genuine);
      expect(text).not.toContain(genuine.split('.')[2]);
      expect(text).toContain('identity refusal');
    });
    const make401 = () => forge({ ...header, kid: '../x' }, claims);
  });
});

describe('key rotation and IdP outages', () => {
  it('picks up a rotated key without restart and refuses tokens of a key that left the JWKS', async () => {
    const before = await stack.idp.token();
    expect((await call(stack, 'GET', '/v1/orders', { token: before })).status).toBe(200);
    const k2 = await newSigningJwk('k2');
    const k3 = await newSigningJwk('k3');
    // Rotation: the IdP signs with k2 and still publishes k1.
    const k1 = stack.idp.keys[0] as JWK;
    await stack.idp.restart([k2, k1]);
    await new Promise((r) => setTimeout(r, 350)); // the unknown-kid refresh cooldown (300ms)
    const rotated = await stack.idp.token();
    expect(segments(rotated)[0].kid).toBe('k2');
    expect((await call(stack, 'GET', '/v1/orders', { token: rotated })).status).toBe(200);
    expect((await call(stack, 'GET', '/v1/orders', { token: before })).status).toBe(200);
    // k1 leaves the JWKS: once the gateway sees the new set, the cached k1 token is refused.
    await stack.idp.restart([k3]);
    await new Promise((r) => setTimeout(r, 350));
    expect((await call(stack, 'GET', '/v1/orders', { token: await stack.idp.token() })).status).toBe(200);
    const gone = await call(stack, 'GET', '/v1/orders', { token: before });
    expect(gone.status).toBe(401);
  });

  it('rate-limits JWKS refreshes caused by unknown kids', async () => {
    await new Promise((r) => setTimeout(r, 350));
    const fetchesBefore = stack.idp.hits.get('/jwks') ?? 0;
    const [header, claims] = segments(await stack.idp.token());
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => call(stack, 'GET', '/v1/orders', { token: forge({ ...header, kid: `forged-${i}` }, claims) })));
    const elapsed = Date.now() - started;
    expect(results.every((r) => r.status === 401)).toBe(true);
    // At most one fetch per cooldown (300 ms) window, whatever the number of forged kids.
    expect((stack.idp.hits.get('/jwks') ?? 0) - fetchesBefore).toBeLessThanOrEqual(Math.floor(elapsed / 300) + 1);
  });

  it('keeps accepting tokens of cached keys while the IdP is down, and fails closed for an unknown kid', async () => {
    const fresh = await stack.idp.token();
    const [header, claims] = segments(fresh);
    await stack.idp.stop();
    try {
      await new Promise((r) => setTimeout(r, 350));
      expect((await call(stack, 'GET', '/v1/orders', { token: fresh })).status).toBe(200);
      const unknown = await call(stack, 'GET', '/v1/orders', { token: forge({ ...header, kid: 'k-next' }, claims) });
      expect(unknown.status).toBe(401);
    } finally {
      await stack.idp.restart(stack.idp.keys);
    }
  });
});

