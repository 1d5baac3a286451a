import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { loadSigningKey, mintToken, publicJwks } from '../../src/identity/signing-key.js';
import { createSqliteStore } from '../../src/store/index.js';
import { scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/**
 * Issue #8: every log line and every stored byte the gateway produces while real credentials and
 * personal data flow through it is searched for those values. None may appear.
 */
const spec = fileURLToPath(new URL('./fixtures-spec.yaml', import.meta.url));
const PASSWORD = 'correct-horse-battery-staple-91';
const CARD = '4111111111111111';
const ISSUER = 'urn:test:hygiene';

let dir: string;
let upstream: TestUpstream;
let gw: StartedGateway;
let token: string;
let apiKey: string;

beforeAll(async () => {
  dir = await scratchDir('gh-hygiene-');
  const key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  await writeFiles(dir, { 'jwks.json': JSON.stringify(publicJwks(key)) });
  token = await mintToken(key, { issuer: ISSUER, audience: 'accounts', subject: 'alice', ttlSeconds: 300 });
  // The API key is issued into the same SQLite file the gateway then opens, as `gatehouse keys create` does.
  const db = path.join(dir, 'state', 'gatehouse.db');
  const seed = createSqliteStore({ path: db });
  apiKey = (await new ApiKeyStore(seed.kv).create({ name: 'ci' })).key;
  await seed.close();
  upstream = await startUpstream((req, res) => json(res, 201, { id: 7, email: 'alice@example.com', card: CARD, password: PASSWORD, echo: req.headers.authorization ?? req.headers['x-api-key'] }));
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    `store: { sqlite: { path: ${db} } }`,
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: accounts, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    'inventory: { sampleRate: 1, flushInterval: 100ms }',
    'apis:',
    '  - name: accounts',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}" }`,
    '    policies:',
    '      masking: { rules: [{ category: card, action: last4 }] }',
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

async function send(headers: Record<string, string>, body: unknown): Promise<Response> {
  return fetch(`${gw.url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('secrets and personal data at rest', () => {
  it('appear in no log line and no stored byte, while the requests carrying them succeed', async () => {
    const body = { email: 'alice@example.com', password: PASSWORD, card: CARD };
    const withToken = await send({ authorization: `Bearer ${token}` }, body);
    expect(withToken.status).toBe(201);
    const answer = await withToken.json() as Record<string, unknown>;
    expect(answer.card).toBe('************1111');
    expect(answer).not.toHaveProperty('password');
    expect((await send({ 'x-api-key': apiKey }, body)).status).toBe(201);
    // Refusals are logged and audited too: a wrong key and a tampered token.
    expect((await send({ 'x-api-key': `${apiKey}x` }, body)).status).toBe(401);
    expect((await send({ authorization: `Bearer ${token.slice(0, -4)}AAAA` }, body)).status).toBe(401);
    // A card number in the query string is refused (undeclared) and must not be logged either.
    expect((await fetch(`${gw.url}/v1/accounts?card=${CARD}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status).toBe(400);
    await gw.gateway.monitoring?.flush();
    await gw.close();

    const logs = gw.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(logs).toContain('"msg":"request"');
    const stored = await storedBytes(path.join(dir, 'state'));
    expect(stored.length).toBeGreaterThan(0);
    const signature = token.split('.')[2] as string;
    const keySecret = apiKey.split('_').at(-1) as string;
    for (const [what, value] of [['token', token], ['token signature', signature], ['API key', apiKey], ['API key secret', keySecret], ['password', PASSWORD], ['card number', CARD]] as const) {
      expect(logs.includes(value), `${what} in the logs`).toBe(false);
      expect(stored.includes(value), `${what} in the store`).toBe(false);
    }
  });
});

async function storedBytes(folder: string): Promise<string> {
  let text = '';
  for (const name of await readdir(folder)) text += (await readFile(path.join(folder, name))).toString('latin1');
  return text;
}
