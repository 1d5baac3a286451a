import { KeyObject, sign as cryptoSign } from 'node:crypto';
import path from 'node:path';
import { generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { queryDecisions } from '../../src/identity/audit-trail.js';
import { loadSigningKey, mintToken, publicJwks, type MintOptions, type SigningKey } from '../../src/identity/signing-key.js';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startIdp, type TestIdp } from './idp.js';

/**
 * Operations whose security lists the empty requirement `{}`: authentication is optional. A
 * caller without a credential passes as anonymous; a credential that is sent is checked like on
 * a protected operation (Kong's and Envoy's anonymous fallback).
 */
const SPEC = `openapi: 3.1.0
info: { title: Catalog, version: 1.0.0 }
servers: [{ url: /v1 }]
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
    apiKey: { type: apiKey, in: header, name: X-API-Key }
paths:
  /catalog:
    get:
      operationId: browseCatalog
      security: [{}, { bearer: [] }]
      responses: { '200': { description: ok } }
  /orders:
    get:
      operationId: listOrders
      security: [{ bearer: [] }]
      responses: { '200': { description: ok } }
  /feed:
    get:
      operationId: feed
      security: [{}, { apiKey: [] }, { bearer: [] }]
      responses: { '200': { description: ok } }
  /pair:
    get:
      operationId: pair
      security: [{}, { apiKey: [], bearer: [] }]
      responses: { '200': { description: ok } }
  /recommendations:
    get:
      operationId: recommendations
      security: [{ bearer: [catalog:personal] }, {}]
      responses: { '200': { description: ok } }
  /wishlist:
    get:
      operationId: wishlist
      security: [{}, { bearer: [] }]
      responses: { '200': { description: ok } }
`;

const ISSUER = 'urn:test:catalog';
const AUDIENCE = 'orders-api';

let idp: TestIdp;
let upstream: TestUpstream;
let gw: StartedGateway;
let key: SigningKey;
let keys: ApiKeyStore;

beforeAll(async () => {
  idp = await startIdp();
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  const dir = await scratchDir('gh-optional-');
  key = await loadSigningKey(path.join(dir, 'k.jwk'), { create: true });
  await writeFiles(dir, { 'jwks.json': JSON.stringify(publicJwks(key)), 'spec.yaml': SPEC });
  gw = await startGateway(dir, configYaml({
    spec: path.join(dir, 'spec.yaml'),
    upstream: upstream.url,
    extra: [
      'identity:',
      '  realm: catalog',
      '  issuers:',
      `    - { issuer: "${idp.issuer}", audience: ${AUDIENCE}, algorithms: [ES256], maxTokenLifetime: 10m }`,
      `    - { issuer: ${ISSUER}, audience: ${AUDIENCE}, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    ].join('\n'),
    policies: [
      '      authorization: { rules: [{ operations: [wishlist], scopes: [wishlist:read] }] }',
      '      forwardIdentity: { headerPrefix: x-gatehouse- }',
    ].join('\n'),
  }));
  keys = new ApiKeyStore(gw.gateway.services.store.kv, { pubsub: gw.gateway.services.store.pubsub });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
  await idp.stop();
});

const mint = (options: Partial<MintOptions> = {}): Promise<string> => mintToken(key, { issuer: ISSUER, audience: AUDIENCE, subject: 'carol', ttlSeconds: 120, ...options });

async function get(route: string, headers: Record<string, string> = {}): Promise<{ status: number; code: unknown; challenge: string | null; requestId: string; forwarded: Record<string, string | string[] | undefined> | undefined }> {
  const requestId = `opt-${Math.random().toString(36).slice(2)}`;
  const res = await fetch(`${gw.url}${route}`, { headers: { 'x-request-id': requestId, ...headers } });
  const text = await res.text();
  const body = text === '' ? {} : JSON.parse(text) as Record<string, unknown>;
  const seen = upstream.requests.find((r) => r.headers['x-request-id'] === requestId);
  return { status: res.status, code: body.code, challenge: res.headers.get('www-authenticate'), requestId: res.headers.get('x-request-id') ?? requestId, forwarded: seen?.headers };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** The local issuer's claims, signed by a key the gateway does not trust, under the trusted kid. */
async function forged(): Promise<string> {
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${enc({ alg: 'ES256', typ: 'at+jwt', kid: key.kid })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', iat: now, exp: now + 60, jti: 'forged' })}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key: KeyObject.from(attacker.privateKey), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

describe('optional security ({} among the alternatives)', () => {
  it('lets a caller without a credential through as anonymous, and strips client-sent identity headers', async () => {
    const res = await get('/v1/catalog', { 'x-gatehouse-subject': 'admin' });
    expect(res.status).toBe(200);
    expect(res.forwarded).toBeDefined();
    expect(res.forwarded?.['x-gatehouse-subject']).toBeUndefined();
  });

  it('verifies a token from the OpenID provider that is sent, and forwards its identity', async () => {
    const res = await get('/v1/catalog', bearer(await idp.token()));
    expect(res.status).toBe(200);
    expect(res.forwarded).toMatchObject({ 'x-gatehouse-subject': 'alice', 'x-gatehouse-auth': 'jwt', 'x-gatehouse-issuer': idp.issuer, 'x-gatehouse-scopes': 'orders:read' });
  });

  describe('refuses a bad token with the challenge of a protected operation, and never forwards it', () => {
    const attacks: [string, () => Promise<string>, string][] = [
      ['a token signed by an untrusted key', forged, 'GH_AUTHN_INVALID'],
      ['an expired token', () => mint({ now: Date.now() - 10 * 60_000, ttlSeconds: 60 }), 'GH_AUTHN_TOKEN_EXPIRED'],
      ['a token for another audience', () => mint({ audience: 'billing-api' }), 'GH_AUTHN_INVALID'],
      ['a token of an untrusted issuer', () => mint({ issuer: 'urn:test:elsewhere' }), 'GH_AUTHN_INVALID'],
      ['an unsigned token (alg none)', async () => `${Buffer.from('{"alg":"none","typ":"at+jwt"}').toString('base64url')}.${(await mint()).split('.')[1] ?? ''}.`, 'GH_AUTHN_INVALID'],
    ];
    for (const [name, make, code] of attacks) {
      it(name, async () => {
        const token = await make();
        const optional = await get('/v1/catalog', bearer(token));
        const protectedOp = await get('/v1/orders', bearer(token));
        expect(optional.status).toBe(401);
        expect(optional.code).toBe(code);
        expect(optional.challenge).toContain('error="invalid_token"');
        expect(optional.challenge).toBe(protectedOp.challenge);
        expect(optional.forwarded).toBeUndefined();
      });
    }

    it('a malformed Bearer header', async () => {
      const res = await get('/v1/catalog', { authorization: 'Bearer not a token' });
      expect(res.status).toBe(401);
      expect(res.challenge).toContain('error="invalid_token"');
    });

    it('while the legitimate twin passes with its identity', async () => {
      const res = await get('/v1/catalog', bearer(await mint()));
      expect(res.status).toBe(200);
      expect(res.forwarded).toMatchObject({ 'x-gatehouse-subject': 'carol', 'x-gatehouse-issuer': ISSUER });
    });
  });

  it('ignores an Authorization header of another scheme, as a protected operation does', async () => {
    expect((await get('/v1/catalog', { authorization: 'Basic YWxpY2U6c2VjcmV0' })).status).toBe(200);
    expect((await get('/v1/orders', { authorization: 'Basic YWxpY2U6c2VjcmV0' })).code).toBe('GH_AUTHN_REQUIRED');
  });

  it('checks an API key that is sent: an issued key passes, unknown and revoked keys are refused alike', async () => {
    const { key: apiKey, record } = await keys.create({ name: 'partner', scopes: ['feed:read'] });
    const ok = await get('/v1/feed', { 'x-api-key': apiKey });
    expect(ok.status).toBe(200);
    expect(ok.forwarded).toMatchObject({ 'x-gatehouse-subject': 'partner', 'x-gatehouse-auth': 'api-key' });
    const unknown = await get('/v1/feed', { 'x-api-key': `${apiKey.slice(0, -1)}${apiKey.endsWith('A') ? 'B' : 'A'}` });
    expect(unknown.status).toBe(401);
    expect(unknown.code).toBe('GH_AUTHN_INVALID');
    await keys.revoke(record.id);
    // A revocation reaches the gateway by pub/sub before it reads the next request: the very
    // next one is refused (counted, not timed; the key cache alone would serve it for 500 ms).
    const revoked = await get('/v1/feed', { 'x-api-key': apiKey });
    expect(revoked.status).toBe(401);
    // A revoked key is told what an unknown one is: nothing that says it was ever real.
    expect(revoked.code).toBe('GH_AUTHN_INVALID');
    expect((await get('/v1/feed')).status).toBe(200);
  });

  it('does not pass as anonymous a request whose credentials complete no alternative', async () => {
    // {apiKey, bearer} together: a forged bearer alone must not fall back to {}.
    const attack = await get('/v1/pair', bearer(await forged()));
    expect(attack.status).toBe(401);
    expect(attack.forwarded).toBeUndefined();
    const incomplete = await get('/v1/pair', bearer(await mint()));
    expect(incomplete.status).toBe(401);
    expect(incomplete.code).toBe('GH_AUTHN_REQUIRED');
    const { key: apiKey } = await keys.create({ name: 'pair' });
    expect((await get('/v1/pair', { ...bearer(await mint()), 'x-api-key': apiKey })).status).toBe(200);
    expect((await get('/v1/pair')).status).toBe(200);
  });

  it('applies a configured authorization rule to the identity of a token that is sent', async () => {
    expect((await get('/v1/wishlist', bearer(await mint({ scopes: ['wishlist:read'] })))).status).toBe(200);
    const lacking = await get('/v1/wishlist', bearer(await mint({ scopes: ['catalog:read'] })));
    expect(lacking.status).toBe(403);
    expect(lacking.challenge).toContain('error="insufficient_scope"');
    // The rule asks for a scope, so it asks for an identity: anonymous callers are refused too.
    expect((await get('/v1/wishlist')).code).toBe('GH_AUTHN_REQUIRED');
  });

  it('does not refuse for spec scopes: the anonymous alternative would admit the caller anyway', async () => {
    expect((await get('/v1/recommendations')).status).toBe(200);
    const unscoped = await get('/v1/recommendations', bearer(await mint()));
    expect(unscoped.status).toBe(200);
    expect(unscoped.forwarded?.['x-gatehouse-subject']).toBe('carol');
    expect((await get('/v1/recommendations', bearer(await forged()))).status).toBe(401);
  });

  it('records refused and verified tokens in the decision trail, and no refusal for an anonymous pass', async () => {
    const anonymous = await get('/v1/catalog');
    const refused = await get('/v1/catalog', bearer(await forged()));
    const allowed = await get('/v1/catalog', bearer(await mint({ subject: 'dave' })));
    expect([anonymous.status, refused.status, allowed.status]).toEqual([200, 401, 200]);
    const records = gw.gateway.services.store.records;
    let decisions: Record<string, unknown>[] = [];
    // The trail is flushed off the request path, in order: once the last record is there, all are.
    for (let i = 0; i < 40 && !decisions.some((d) => d.requestId === allowed.requestId); i++) {
      await new Promise((r) => setTimeout(r, 50));
      decisions = (await queryDecisions(records, 'identity-decisions', { limit: 1000 })).map((r) => r.data as Record<string, unknown>);
    }
    expect(decisions.find((d) => d.requestId === allowed.requestId)).toMatchObject({ decision: 'allow', policy: 'identity', identity: 'dave', kind: 'jwt' });
    expect(decisions.find((d) => d.requestId === refused.requestId)).toMatchObject({ decision: 'deny', policy: 'authenticate', code: 'GH_AUTHN_INVALID', identity: '(anonymous)' });
    expect(decisions.filter((d) => d.requestId === anonymous.requestId)).toEqual([]);
  });
});
