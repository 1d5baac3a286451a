import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { queryDecisions } from '../../src/identity/audit-trail.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { newSigningJwk, OPAQUE_RESOURCE, OTHER_OPAQUE_RESOURCE, startIdp, type TestIdp } from './idp.js';

/*
 * Details of the identity provider that decide who gets in, against the real oidc-provider:
 * key ids in standard base64 (as some providers publish them), and the audience of
 * introspected opaque tokens.
 */
const SPEC = fileURLToPath(new URL('./fixtures/ledger.json', import.meta.url));
const KID = 'q1/Zx+7w=@ledger-idp';
let idp: TestIdp;
let upstream: TestUpstream;
let dir: string;
let gw: StartedGateway;

function yaml(audience: string | undefined): string {
  return [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'identity:',
    '  jwksCooldown: 1ms',
    `  issuers: [{ issuer: "${idp.issuer}", audience: orders-api, algorithms: [ES256], maxTokenLifetime: 10m, clockSkew: 5s }]`,
    '  introspection:',
    `    endpoint: ${idp.issuer}/token/introspection`,
    '    clientId: gateway',
    `    clientSecret: ${idp.clients.gateway}`,
    audience === undefined ? '' : `    audience: ${audience}`,
    'apis:',
    '  - name: ledger',
    `    spec: ${SPEC}`,
    '    basePath: /api',
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
  ].join('\n');
}

beforeAll(async () => {
  idp = await startIdp([await newSigningJwk(KID)]);
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  dir = await scratchDir('gh-provider-');
  gw = await startGateway(dir, yaml('opaque-api'));
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await idp.stop();
});

const get = (token: string, on = gw): Promise<Response> => fetch(`${on.url}/api/accounts/a1`, { headers: { authorization: `Bearer ${token}` } });

describe('key ids', () => {
  it('accepts a provider key id with / + = @ and never turns a key id into a request', async () => {
    const token = await idp.token({ client: 'alice', scope: 'orders:read' });
    expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({ kid: KID });
    expect((await get(token)).status).toBe(200);

    // Key ids that would be attacks on a store that resolves them: each is merely unknown.
    const { privateKey } = await generateKeyPair('ES256');
    const attacks = ['../../../../etc/passwd', '/jwks?kid=1&x=', '%2e%2e%2fjwks', `${KID}#`, `' OR '1'='1`];
    for (const kid of attacks) {
      const forged = await new SignJWT({ sub: 'mallory', scope: 'orders:read' }).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' })
        .setIssuer(idp.issuer).setAudience('orders-api').setIssuedAt().setExpirationTime('2m').sign(privateKey);
      expect((await get(forged)).status, kid).toBe(401);
    }
    // Only the discovery document and the key set were ever fetched: no path, query or
    // fragment was built from a kid.
    const paths = [...idp.hits.keys()].filter((p) => !p.startsWith('/token'));
    expect(paths.sort()).toEqual(['/.well-known/openid-configuration', '/jwks']);
  });
});

describe('introspection audience', () => {
  it('refuses an active opaque token the provider issued for another API', async () => {
    const ours = await idp.token({ client: 'alice', scope: 'orders:read', resource: OPAQUE_RESOURCE });
    const theirs = await idp.token({ client: 'alice', scope: 'orders:read', resource: OTHER_OPAQUE_RESOURCE });
    expect((await get(ours)).status).toBe(200);
    const refused = await get(theirs);
    expect(refused.status).toBe(401);
    expect((await refused.json() as { code: string }).code).toBe('GH_AUTHN_INVALID');
    const requestId = refused.headers.get('x-request-id');
    let record: Record<string, unknown> | undefined;
    for (let i = 0; i < 30 && record === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      record = (await queryDecisions(gw.gateway.services.store.records, 'identity-decisions', { decision: 'deny' })).map((r) => r.data).find((d) => d.requestId === requestId);
    }
    expect(record?.reason).toBe('introspection: wrong audience');
  });

  it('without an audience accepts that token, and check-config warns about it', async () => {
    const open = await startGateway(await scratchDir('gh-provider-open-'), yaml(undefined));
    try {
      const theirs = await idp.token({ client: 'alice', scope: 'orders:read', resource: OTHER_OPAQUE_RESOURCE });
      expect((await get(theirs, open)).status).toBe(200);
      expect(open.logs.some((l) => String(l.msg).startsWith('identity.introspection has no audience'))).toBe(true);
    } finally {
      await open.close();
    }
    const unset = await checkConfig(await writeConfig(yaml(undefined)));
    expect(unset.ok).toBe(true);
    expect(unset.lines.filter((l) => l.startsWith('warning:'))).toContainEqual(expect.stringContaining('identity.introspection has no audience'));
    const set = await checkConfig(await writeConfig(yaml('opaque-api')));
    expect(set.lines.join('\n')).not.toContain('has no audience');
  });
});

/** Writes a config file for check-config and returns its path. */
async function writeConfig(text: string): Promise<string> {
  const file = path.join(await scratchDir('gh-provider-check-'), 'gatehouse.yaml');
  await writeFile(file, text);
  return file;
}
