import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProvider, type FakeProvider } from '../../examples/egress/provider.mjs';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';

/**
 * Who may call a provider through the gateway: the provider's own `security` is what the
 * gateway fulfils with its injected key; internal callers authenticate with what
 * `authentication.fallback` names, and their credential never reaches the provider.
 */
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/egress');
const ISSUER = 'urn:test:internal';
const AUDIENCE = 'egress';
const PROVIDER_KEY = 'sk_live_acme_7c1e';
let provider: FakeProvider;
let gw: StartedGateway;
let key: SigningKey;

beforeAll(async () => {
  provider = await startProvider();
  const dir = await scratchDir('gh-egress-callers-');
  key = await loadSigningKey(path.join(dir, 'k.jwk'), { create: true });
  const spec = (await readFile(path.join(EXAMPLE, 'acme.openapi.yaml'), 'utf8')).replace('127.0.0.1:4010', `127.0.0.1:${provider.port}`);
  await writeFiles(dir, { 'jwks.json': JSON.stringify(publicJwks(key)), 'acme.openapi.yaml': spec });
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'identity:',
    '  issuers:',
    `    - { issuer: ${ISSUER}, audience: ${AUDIENCE}, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    'apis:',
    '  - name: acme',
    '    direction: egress',
    '    spec: acme.openapi.yaml',
    '    basePath: /providers/acme',
    `    upstream: { url: "http://127.0.0.1:${provider.port}/v1" }`,
    '    egress:',
    '      plainHttp: true',
    '      allowPrivate: [127.0.0.1]',
    `      credentials: [{ header: authorization, value: "Bearer ${PROVIDER_KEY}" }]`,
    '    policies:',
    '      authentication: { fallback: [bearer] }',
  ].join('\n'));
});

afterAll(async () => {
  await gw?.close();
  await provider?.close();
});

describe('callers of an egress API', () => {
  it('are refused without their own credential, before anything reaches the provider', async () => {
    const before = provider.requests.length;
    const res = await fetch(`${gw.url}/providers/acme/widgets/1`);
    expect(res.status).toBe(401);
    expect(provider.requests.length).toBe(before);
  });

  it('pass with it, and the provider sees the gateway\'s key instead of their token', async () => {
    const token = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE, subject: 'billing-service', ttlSeconds: 120 });
    const before = provider.requests.length;
    const res = await fetch(`${gw.url}/providers/acme/widgets/1`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const seen = provider.requests.slice(before);
    expect(seen.map((r) => r.headers.authorization)).toEqual([`Bearer ${PROVIDER_KEY}`]);
    expect(JSON.stringify(seen)).not.toContain(token);
  });
});
