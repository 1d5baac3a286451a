import { KeyObject, sign as cryptoSign } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKeyPair } from 'jose';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/**
 * The bearer authenticator remembers the last verified token of each keep-alive connection so a
 * client reusing its token is not re-parsed. These tests attack that memory: every request goes
 * over ONE connection, and a token that is forged, expired or signed by a key that left the key
 * set must be refused there as on a fresh connection.
 */
const SPEC = `openapi: 3.1.0
info: { title: Orders, version: 1.0.0 }
components:
  securitySchemes:
    bearer: { type: http, scheme: bearer, bearerFormat: JWT }
security: [{ bearer: [] }]
paths:
  /orders:
    get:
      operationId: listOrders
      responses: { '200': { description: ok } }
`;
const ISSUER = 'urn:test:reuse';
const AUDIENCE = 'orders';

let upstream: TestUpstream;
let gw: StartedGateway;
let key: SigningKey;
let dir: string;
let client: Client;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  dir = await scratchDir('gh-reuse-');
  key = await loadSigningKey(path.join(dir, 'k.jwk'), { create: true });
  await writeFiles(dir, { 'jwks.json': JSON.stringify(publicJwks(key)), 'spec.yaml': SPEC });
  gw = await startGateway(dir, configYaml({
    spec: path.join(dir, 'spec.yaml'),
    upstream: upstream.url,
    // A short skew and refetch cooldown, so expiry and key removal show within the test.
    extra: `identity:\n  jwksCooldown: 1ms\n  issuers:\n    - { issuer: ${ISSUER}, audience: ${AUDIENCE}, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m, clockSkew: 1s }`,
  }));
  client = new Client(gw.url, { pipelining: 1 });
});
afterAll(async () => {
  await client.close();
  await gw.close();
  await upstream.close();
});

async function status(token: string): Promise<number> {
  const res = await client.request({ method: 'GET', path: '/orders', headers: { authorization: `Bearer ${token}` } });
  await res.body.dump();
  return res.statusCode;
}

async function forgedLike(subject: string): Promise<string> {
  const attacker = await generateKeyPair('ES256', { extractable: true });
  const enc = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${enc({ alg: 'ES256', kid: key.kid })}.${enc({ iss: ISSUER, aud: AUDIENCE, sub: subject, iat: now, exp: now + 60 })}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key: KeyObject.from(attacker.privateKey), dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

describe('a token reused on one keep-alive connection', () => {
  it('is verified once and accepted again, while a forged token on the same connection is refused', async () => {
    const good = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE, subject: 'alice', ttlSeconds: 120 });
    expect(await status(good)).toBe(200);
    expect(await status(good)).toBe(200);
    expect(await status(await forgedLike('alice'))).toBe(401);
    expect(await status(good)).toBe(200);
  });

  it('stops being accepted on that connection once it expires', async () => {
    // Issued a second ago, so it expires a second from now (two with the skew).
    const short = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE, subject: 'bob', ttlSeconds: 2, now: Date.now() - 1000 });
    expect(await status(short)).toBe(200);
    expect(await status(short)).toBe(200);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await status(short)).toBe(401);
  });

  it('stops being accepted on that connection once its signing key leaves the key set', async () => {
    const good = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE, subject: 'carol', ttlSeconds: 120 });
    expect(await status(good)).toBe(200);
    expect(await status(good)).toBe(200);
    const other = await loadSigningKey(path.join(dir, 'other.jwk'), { create: true });
    await writeFile(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(other)));
    // A token under the new key's unknown kid makes the gateway re-read the key set.
    expect(await status(await mintToken(other, { issuer: ISSUER, audience: AUDIENCE, subject: 'carol', ttlSeconds: 120 }))).toBe(200);
    expect(await status(good)).toBe(401);
  });
});
