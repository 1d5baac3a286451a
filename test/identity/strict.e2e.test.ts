import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDecisions } from '../../src/identity/audit-trail.js';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { SPEC } from './setup.js';

let upstream: TestUpstream;
let strict: StartedGateway;
let monitor: StartedGateway;
let key: SigningKey;

const identity = [
  'identity:',
  '  issuers: [{ issuer: urn:t, audience: orders-api, jwks: "file:jwks.json", algorithms: [ES256] }]',
].join('\n');

beforeAll(async () => {
  upstream = await startUpstream();
  const dir = await scratchDir('gh-strict-');
  key = await loadSigningKey(`${dir}/k.jwk`, { create: true });
  await writeFiles(dir, { 'jwks.json': JSON.stringify(publicJwks(key)) });
  strict = await startGateway(dir, configYaml({
    spec: SPEC, upstream: upstream.url, extra: identity,
    policies: '      authorization: { strict: true, rules: [{ operations: [health], public: true }] }',
  }));
  const dir2 = await scratchDir('gh-monitor-');
  await writeFiles(dir2, { 'jwks.json': JSON.stringify(publicJwks(key)) });
  monitor = await startGateway(dir2, configYaml({ spec: SPEC, upstream: upstream.url, extra: identity, policies: '      authentication: { mode: monitor }' }));
});
afterAll(async () => {
  await strict.close();
  await monitor.close();
  await upstream.close();
});

const token = (sub: string, scopes: string[] = []) => mintToken(key, { issuer: 'urn:t', audience: 'orders-api', subject: sub, ttlSeconds: 60, scopes });

describe('authorization: strict (default deny)', () => {
  it('refuses an operation no rule covers, even to a valid token', async () => {
    const res = await fetch(`${strict.url}/v1/users/alice`, { headers: { authorization: `Bearer ${await token('alice')}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'GH_AUTHZ_FORBIDDEN', detail: 'no authorization rule allows this operation' });
  });

  it('allows an operation covered by spec scopes, and one marked public', async () => {
    expect((await fetch(`${strict.url}/v1/orders`, { headers: { authorization: `Bearer ${await token('alice', ['orders:read'])}` } })).status).toBe(200);
    expect((await fetch(`${strict.url}/v1/health`)).status).toBe(200);
  });
});

describe('authentication: monitor', () => {
  it('lets a request without a token through and records the would-be denial', async () => {
    const res = await fetch(`${monitor.url}/v1/users/alice`);
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    let found: Record<string, unknown> | undefined;
    for (let i = 0; i < 20 && found === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = (await queryDecisions(monitor.gateway.services.store.records, 'identity-decisions', { decision: 'deny' })).map((r) => r.data).find((d) => d.requestId === requestId);
    }
    expect(found).toMatchObject({ mode: 'monitor', policy: 'authenticate', reason: 'no credential sent', identity: '(anonymous)' });
  });

  it('monitors the scope check too while authentication is monitored', async () => {
    expect((await fetch(`${monitor.url}/v1/orders`)).status).toBe(200);
  });
});
