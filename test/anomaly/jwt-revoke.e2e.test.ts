import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startReceiver, type Receiver } from '../inventory/receiver.js';

/*
 * Real tokens minted by the local issuer (the `gatehouse token` function): an authenticated
 * user scraping accounts raises an enumeration alert, the automatic response puts that token's
 * jti on the deny-list until the token expires, and the next request with it is refused while
 * another user's token keeps working.
 */
const spec = fileURLToPath(new URL('./fixtures/accounts.yaml', import.meta.url));
const ISSUER = 'urn:test:gatehouse-anomaly';
const SECRET = 'whsec-jwt-test-000000';
let upstream: TestUpstream;
let receiver: Receiver;
let gw: StartedGateway;
let key: SigningKey;

const token = (subject: string): Promise<string> => mintToken(key, { issuer: ISSUER, audience: 'accounts-api', subject, ttlSeconds: 300 });
const get = (t: string, id: number): Promise<Response> => fetch(`${gw.url}/v1/accounts/${id}`, { headers: { authorization: `Bearer ${t}` } });

beforeAll(async () => {
  const dir = await scratchDir('gh-anomaly-jwt-');
  key = await loadSigningKey(path.join(dir, 'issuer.jwk'), { create: true });
  await writeFile(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(key)));
  // The accounts service answers 404 for an account the caller does not own (here: all but 1 and 2).
  upstream = await startUpstream((req, res) => {
    const id = Number(req.url.split('/').pop());
    return id <= 2 ? json(res, 200, { id }) : json(res, 404, {});
  });
  receiver = await startReceiver(SECRET);
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: accounts-api, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    'monitoring:',
    `  alerts: [{ webhook: "${receiver.url}", secret: "${SECRET}" }]`,
    '  respond: { enumeration: revoke }',
    '  detectors: { enumeration: { distinctIds: 15, window: 1m } }',
    'apis:',
    '  - name: accounts',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
  ].join('\n'));
});

afterAll(async () => {
  await gw.close();
  await receiver.close();
  await upstream.close();
});

describe('automatic revocation of a real token', () => {
  it('revokes the scraping token by jti and leaves another user alone', async () => {
    const mallory = await token('mallory');
    const alice = await token('alice');
    expect((await get(alice, 1)).status).toBe(200);
    // The 15th distinct account is the threshold: the alert fires as that request is observed.
    for (let id = 1; id <= 15; id++) expect((await get(mallory, id)).status).toBe(id <= 2 ? 200 : 404);
    await gw.gateway.monitoring?.flush();

    expect(receiver.alerts.map((a) => a.type)).toEqual(['enumeration']);
    const alert = receiver.alerts[0];
    expect(alert?.subject).toMatchObject({ kind: 'identity', subject: 'mallory' });
    expect(alert?.response).toMatch(/^revoke: block jti /);
    expect(alert?.confidence).toBeGreaterThanOrEqual(0.8);
    expect(JSON.stringify(receiver.alerts)).not.toContain(mallory); // the token itself never leaves

    // Refused as a token that does not verify: status, code, detail and challenge are those of
    // a forged token, so the revoked holder learns nothing about the token it holds.
    const next = await get(mallory, 16);
    const forged = await get(`${mallory.slice(0, -4)}AAAA`, 16);
    expect(next.status).toBe(401);
    expect(forged.status).toBe(401);
    expect(next.headers.get('www-authenticate')).toBe(forged.headers.get('www-authenticate'));
    const { requestId: _a, ...revokedBody } = await next.json() as Record<string, unknown>;
    const { requestId: _b, ...forgedBody } = await forged.json() as Record<string, unknown>;
    expect(revokedBody).toEqual(forgedBody);
    expect(revokedBody.code).toBe('GH_AUTHN_INVALID');
    expect((await get(alice, 2)).status).toBe(200);
    // A new token for the same subject is a new credential: the deny-list names the stolen one.
    expect((await get(await token('mallory'), 1)).status).toBe(200);
  });
});
