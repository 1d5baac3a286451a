import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSigningKey, mintToken, publicJwks, type MintOptions, type SigningKey } from '../../src/identity/signing-key.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startIdp, type TestIdp } from './idp.js';

export const SPEC = fileURLToPath(new URL('./fixtures/orders.yaml', import.meta.url));
export const LOCAL_ISSUER = 'urn:test:local-issuer';

export interface IdentityStack {
  readonly idp: TestIdp;
  readonly gw: StartedGateway;
  readonly upstream: TestUpstream;
  readonly dir: string;
  readonly local: SigningKey;
  /** A token from the local (file JWKS) issuer, audience orders-api unless overridden. */
  mint(options: Partial<MintOptions>): Promise<string>;
  close(): Promise<void>;
}

/**
 * The whole identity stack on loopback ports: a real OpenID provider, a second issuer whose
 * JWKS is a local file, the gateway in front of a recording upstream with every identity policy.
 */
export async function startIdentityStack(extraIdentity = ''): Promise<IdentityStack> {
  const idp = await startIdp();
  const dir = await scratchDir('gh-identity-');
  const local = await loadSigningKey(path.join(dir, 'local-signing.jwk'), { create: true });
  writeFileSync(path.join(dir, 'local-jwks.json'), JSON.stringify(publicJwks(local)));
  const upstream = await startUpstream((req, res) => {
    if (req.url.startsWith('/internal/owners/')) {
      const id = req.url.slice('/internal/owners/'.length);
      return id === '404' ? json(res, 404, {}) : json(res, 200, { owner: id === '1' ? 'alice' : 'bob' });
    }
    if (req.method === 'POST' && req.url === '/v1/orders') return json(res, 201, {});
    if (req.method === 'DELETE') { res.writeHead(204); res.end(); return; }
    if (req.url === '/v1/orders') return json(res, 200, [{ id: 1, item: 'tea' }]);
    return json(res, 200, {});
  });
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'identity:',
    '  realm: orders',
    '  jwksCooldown: 300ms',
    '  issuers:',
    `    - { issuer: "${idp.issuer}", audience: orders-api, algorithms: [ES256], maxTokenLifetime: 10m, clockSkew: 5s }`,
    `    - { issuer: "${LOCAL_ISSUER}", audience: orders-api, jwks: "file:local-jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    '  introspection:',
    `    endpoint: ${idp.issuer}/token/introspection`,
    '    clientId: gateway',
    `    clientSecret: ${idp.clients.gateway}`,
    '    cacheTtl: 30s',
    '  apiKeys: { cacheTtl: 300ms }',
    '  signing: { key: local-signing.jwk, issuer: urn:gatehouse:gw }',
    extraIdentity,
    'apis:',
    '  - name: orders',
    `    spec: ${SPEC}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s, connectTimeout: 500ms }`,
    '    policies:',
    '      authorization:',
    '        admin: { tags: [admin], roles: [admin] }',
    '      objectAuth:',
    '        rules:',
    '          - { param: path.userId, claim: sub, unlessRole: admin }',
    `          - { param: path.orderId, claim: sub, unlessRole: admin, lookup: { url: "${upstream.url}/internal/owners/{value}", ownerField: owner } }`,
    '          - { param: body.owner, operations: [createOrder], claim: sub, unlessRole: admin }',
    '      stepUp:',
    '        rules:',
    '          - { acr: ["urn:example:mfa"], amr: [otp, hwk], maxAge: 5m }',
    '      forwardIdentity:',
    '        headerPrefix: x-gatehouse-',
    '        token: { header: x-gatehouse-identity, ttl: 60s }',
  ].join('\n');
  const gw = await startGateway(dir, yaml);
  return {
    idp, gw, upstream, dir, local,
    mint: (options) => mintToken(local, { issuer: LOCAL_ISSUER, audience: 'orders-api', subject: 'carol', ttlSeconds: 120, ...options }),
    async close() {
      await gw.close();
      await upstream.close();
      await idp.stop();
    },
  };
}

export async function call(stack: IdentityStack, method: string, path: string, options: { token?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${stack.gw.url}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? {} : JSON.parse(text) as Record<string, unknown> };
}
