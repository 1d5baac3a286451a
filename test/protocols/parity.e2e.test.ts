import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { h1TlsTransport, h2Transport, type Answer, type Transport } from '../helpers/h2.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * Every policy behaves the same over HTTP/1.1 and HTTP/2: a representative set of the contract,
 * identity and limits end-to-end cases, each run over HTTP/1.1 on TLS, HTTP/2 on TLS (ALPN h2)
 * and cleartext HTTP/2 (h2c), against one gateway per protocol (rate limits count per gateway).
 */

const PETS = fileURLToPath(new URL('../gateway/fixtures/pets-3.1.yaml', import.meta.url));
const ORDERS = fileURLToPath(new URL('../identity/fixtures/orders.yaml', import.meta.url));
const ISSUER = 'urn:test:parity';

let upstream: TestUpstream;
let dir: string;
let ca: Buffer;
let key: SigningKey;

beforeAll(async () => {
  dir = await scratchDir('gh-parity-');
  const authority = makeCa(dir, 'ca');
  makeLeaf(dir, 'gw', authority);
  ca = readFileSync(authority.cert);
  key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(key)));
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith('/v1/pets/7')) return json(res, 200, { id: 7, name: 'Rex', passwordHash: 'secret' }, { server: 'nginx/1.2' });
    if (req.method === 'POST') return json(res, 201, { id: 1, name: 'Rex' });
    if (req.url.startsWith('/v1/orders')) return json(res, 200, [{ id: 1, item: 'tea', cost: 3 }]);
    return json(res, 200, [{ id: 1, name: 'a', internal: true }]);
  });
});
afterAll(async () => {
  await upstream.close();
});

function yaml(): string {
  return [
    'version: "1"',
    'listen:',
    '  https: { host: 127.0.0.1, port: 0, cert: gw.crt, key: gw.key, http2: true }',
    '  h2c: { host: 127.0.0.1, port: 0 }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'limits: { maxHeaderCount: 30, maxUrlLength: 512, maxBodyBytes: 2kb }',
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: orders-api, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    'apis:',
    '  - name: pets',
    `    spec: ${PETS}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '  - name: orders',
    `    spec: ${ORDERS}`,
    '    basePath: /orders-api',
    `    upstream: { url: "${upstream.url}/v1", timeout: 2s }`,
    '  - name: limited',
    `    spec: ${PETS}`,
    '    basePath: /limited',
    `    upstream: { url: "${upstream.url}/v1", timeout: 2s }`,
    '    policies:',
    '      rateLimit: { limits: [{ by: ip, rate: 3/min }] }',
  ].join('\n');
}

const token = (scopes: string[], ttlSeconds = 120): Promise<string> =>
  mintToken(key, { issuer: ISSUER, audience: 'orders-api', subject: 'carol', ttlSeconds, scopes });

const code = (answer: Answer): string => (JSON.parse(answer.body) as { code: string }).code;

const PROTOCOLS = ['HTTP/1.1 (TLS)', 'HTTP/2 (TLS)', 'HTTP/2 (h2c)'] as const;

describe.each(PROTOCOLS)('over %s', (protocol) => {
  let gw: StartedGateway;
  let client: Transport;

  beforeAll(async () => {
    gw = await startGateway(dir, yaml());
    const https = gw.gateway.addresses.https?.port ?? 0;
    const h2c = gw.gateway.addresses.h2c?.port ?? 0;
    client = protocol === 'HTTP/1.1 (TLS)' ? h1TlsTransport(https, ca)
      : protocol === 'HTTP/2 (TLS)' ? await h2Transport(`https://localhost:${https}`, ca)
        : await h2Transport(`http://127.0.0.1:${h2c}`);
  });
  afterAll(async () => {
    await client.close();
    await gw.close();
  });

  describe('the contract', () => {
    it('forwards a valid request with the gateway headers and no pseudo-header, and strips undeclared response fields', async () => {
      const before = upstream.requests.length;
      const res = await client.send({ path: '/v1/pets/7', headers: { 'x-keep': 'yes' } });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ id: 7, name: 'Rex' });
      expect(res.headers.server).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const seen = upstream.requests[before];
      expect(seen?.url).toBe('/v1/pets/7');
      expect(seen?.headers['x-keep']).toBe('yes');
      expect(seen?.headers['x-forwarded-proto']).toBe(protocol === 'HTTP/2 (h2c)' ? 'http' : 'https');
      expect(seen?.headers['x-forwarded-host']).toMatch(/^(localhost|127\.0\.0\.1):\d+$/);
      expect(Object.keys(seen?.headers ?? {}).filter((n) => n.startsWith(':'))).toEqual([]);
    });

    it('refuses a query parameter out of its schema', async () => {
      const res = await client.send({ path: '/v1/pets?limit=500' });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
    });

    it('refuses an undeclared body field and forwards the valid body byte for byte', async () => {
      const before = upstream.requests.length;
      const bad = await client.send({ method: 'POST', path: '/v1/pets', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex","isAdmin":true}' });
      expect(bad.status).toBe(400);
      const good = await client.send({ method: 'POST', path: '/v1/pets', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex"}' });
      expect(good.status).toBe(201);
      expect(upstream.requests.length - before).toBe(1);
      expect(upstream.requests[before]?.body).toBe('{"name":"Rex"}');
    });

    it('refuses a prototype-pollution key', async () => {
      const res = await client.send({ method: 'POST', path: '/v1/pets', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex","__proto__":{"admin":true}}' });
      expect(res.status).toBe(400);
    });

    it('answers 404 for an undeclared path and 405 with Allow for an undeclared method', async () => {
      expect((await client.send({ path: '/v1/PETS?limit=1' })).status).toBe(404);
      const res = await client.send({ method: 'PATCH', path: '/v1/pets/1' });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, DELETE');
    });
  });

  describe('identity', () => {
    it('refuses a request without a token with 401 and a challenge', async () => {
      const res = await client.send({ path: '/orders-api/orders' });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    });

    it('passes a valid token and refuses a forged one', async () => {
      const good = await token(['orders:read']);
      expect((await client.send({ path: '/orders-api/orders', headers: { authorization: `Bearer ${good}` } })).status).toBe(200);
      const [h, p] = good.split('.');
      const forged = `${h}.${p}.${Buffer.from('x'.repeat(64)).toString('base64url')}`;
      const refused = await client.send({ path: '/orders-api/orders', headers: { authorization: `Bearer ${forged}` } });
      expect(refused.status).toBe(401);
    });

    it('refuses a token without the scope the operation needs with 403', async () => {
      const readOnly = await token(['orders:read']);
      const res = await client.send({ method: 'POST', path: '/orders-api/orders', headers: { authorization: `Bearer ${readOnly}`, 'content-type': 'application/json' }, body: '{"item":"tea"}' });
      expect(res.status).toBe(403);
      expect(code(res)).toMatch(/^GH_AUTHZ/);
    });
  });

  describe('limits', () => {
    it('lets exactly the rate through, then answers 429 with Retry-After', async () => {
      const answers: Answer[] = [];
      for (let i = 0; i < 5; i++) answers.push(await client.send({ path: '/limited/pets?limit=1' }));
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
      expect(answers[3]?.headers['retry-after']).toMatch(/^\d+$/);
    });

    it('refuses too many header fields, a too long URL and a too large body', async () => {
      const many: Record<string, string> = {};
      for (let i = 0; i < 40; i++) many[`x-h${i}`] = 'v';
      const headers = await client.send({ path: '/v1/pets?limit=1', headers: many });
      // HTTP/2 refuses the header list in the protocol (a reset stream) or answers 431, as HTTP/1.1 does.
      expect([headers.status, headers.rstCode]).toSatisfy(([status, rst]) => status === 431 || rst !== undefined);
      expect((await client.send({ path: `/v1/pets?limit=1&tag=${'a'.repeat(600)}` })).status).toBe(414);
      const big = await client.send({ method: 'POST', path: '/v1/pets', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(3000) }) });
      expect(big.status).toBe(413);
    });
  });
});

describe('curl, a client users reach for', () => {
  let gw: StartedGateway;
  beforeAll(async () => { gw = await startGateway(dir, yaml()); });
  afterAll(async () => { await gw.close(); });

  const curl = async (args: string[]): Promise<string> =>
    (await promisify(execFile)('curl', ['-s', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', ...args])).stdout;

  it('negotiates HTTP/2 with --http2, HTTP/1.1 with --http1.1, and h2c with prior knowledge; the contract answers alike', async () => {
    const https = `https://localhost:${gw.gateway.addresses.https?.port ?? 0}`;
    const ca = path.join(dir, 'ca.crt');
    expect(await curl(['--http2', '--cacert', ca, `${https}/v1/pets?limit=1`])).toBe('2 200');
    expect(await curl(['--http1.1', '--cacert', ca, `${https}/v1/pets?limit=1`])).toBe('1.1 200');
    expect(await curl(['--http2-prior-knowledge', `http://127.0.0.1:${gw.gateway.addresses.h2c?.port ?? 0}/v1/pets?limit=1`])).toBe('2 200');
    expect(await curl(['--http2', '--cacert', ca, `${https}/v1/pets?limit=500`])).toBe('2 400');
  });
});
