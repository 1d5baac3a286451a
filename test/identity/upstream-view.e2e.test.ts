import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { loadSigningKey } from '../../src/identity/signing-key.js';
import { sendRaw } from '../abuse/raw.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type RecordedRequest, type TestUpstream } from '../helpers/upstream.js';
import { startIdp, type TestIdp } from './idp.js';

/*
 * What the upstream sees. Requests are written as raw bytes (no client library normalises
 * header names), and a real upstream records what reached it. Three mounts of one spec:
 * /api with the defaults, /fwd with forwardIdentity under its own prefix and Authorization
 * hidden, /raw with hideCredentials off.
 */
const SPEC = fileURLToPath(new URL('./fixtures/ledger.json', import.meta.url));
let idp: TestIdp;
let upstream: TestUpstream;
let gw: StartedGateway;
let key: string;

beforeAll(async () => {
  idp = await startIdp();
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  const dir = await scratchDir('gh-upstream-view-');
  await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  const api = (name: string, basePath: string, policies: string): string => [
    `  - name: ${name}`,
    `    spec: ${SPEC}`,
    `    basePath: ${basePath}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    policies === '' ? '' : `    policies:\n${policies}`,
  ].join('\n');
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'identity:',
    `  issuers: [{ issuer: "${idp.issuer}", audience: orders-api, algorithms: [ES256], maxTokenLifetime: 10m, clockSkew: 5s }]`,
    '  signing: { key: signing.jwk, issuer: urn:gatehouse:ledger }',
    'apis:',
    api('ledger', '/api', ''),
    api('ledger-fwd', '/fwd', [
      '      authentication: { hideCredentials: { authorization: true } }',
      '      forwardIdentity: { headerPrefix: X-Ledger-Id-, token: { header: x-ledger-token } }',
    ].join('\n')),
    api('ledger-raw', '/raw', '      authentication: { hideCredentials: false }'),
  ].join('\n'));
  const store = gw.gateway.services.store;
  ({ key } = await new ApiKeyStore(store.kv).create({ name: 'teller' }));
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await idp.stop();
});

/** Sends `lines` as the request head, exactly as written, and returns what the upstream got. */
async function forwarded(target: string, lines: string[]): Promise<{ status: number; seen: RecordedRequest | undefined }> {
  const before = upstream.requests.length;
  const answer = await sendRaw(gw.url, [`GET ${target} HTTP/1.1`, 'Host: ledger.test', ...lines, 'Connection: close', '', ''].join('\r\n'));
  return { status: answer.status, seen: upstream.requests.length > before ? upstream.requests[upstream.requests.length - 1] : undefined };
}

/** Every header name the upstream received in the gateway's namespaces, in any spelling. */
function namespaced(seen: RecordedRequest | undefined, ...prefixes: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(seen?.headers ?? {})) {
    const key = name.toLowerCase().replaceAll('_', '-');
    if (prefixes.some((p) => key.startsWith(p))) out[name] = value;
  }
  return out;
}

const SPOOFED = [
  'X-Gatehouse-Subject: admin',
  'x-gatehouse-roles: admin',
  'X-GATEHOUSE-ROLES: root',
  'X-Gatehouse_Scopes: ledger:admin',
  'x_gatehouse_auth: mtls',
  'X-Gatehouse-Identity: eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
];

describe('headers in the gateway\'s namespace', () => {
  it('never reach the upstream from a client, in any case, spelling or number of copies, without forwardIdentity', async () => {
    const { status, seen } = await forwarded('/api/ping', [...SPOOFED, 'X-Gatehousekeeping: weekly', 'X-Trace: t-1']);
    expect(status).toBe(200);
    expect(namespaced(seen, 'x-gatehouse-')).toEqual({});
    // The legitimate twins: headers outside the namespace go through untouched.
    expect(seen?.headers['x-trace']).toBe('t-1');
    expect(seen?.headers['x-gatehousekeeping']).toBe('weekly');
  });

  it('are replaced by the verified identity under a configured prefix, the x-gatehouse- ones removed too', async () => {
    const token = await idp.token({ client: 'alice', scope: 'orders:read' });
    const { status, seen } = await forwarded('/fwd/accounts/a1', [
      ...SPOOFED,
      'X-Ledger-Id-Subject: admin',
      'x-ledger-id-subject: root',
      'X-Ledger-Id_Roles: admin',
      'X-Ledger-Token: forged',
      'x_ledger_token: forged',
      `Authorization: Bearer ${token}`,
    ]);
    expect(status).toBe(200);
    expect(namespaced(seen, 'x-gatehouse-')).toEqual({});
    expect(namespaced(seen, 'x-ledger-id-')).toEqual({ 'x-ledger-id-subject': 'alice', 'x-ledger-id-auth': 'jwt', 'x-ledger-id-scopes': 'orders:read', 'x-ledger-id-roles': 'user', 'x-ledger-id-issuer': idp.issuer });
    expect(seen?.headers['x-ledger-token']).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(seen?.headers['x-ledger-token']).not.toBe('forged');
    expect(seen?.headers).not.toHaveProperty('x_ledger_token');
    // hideCredentials.authorization: the upstream gets the gateway's token, not the caller's.
    expect(seen?.headers).not.toHaveProperty('authorization');
  });
});

describe('credentials the gateway consumed', () => {
  it('hides an API key header, and the same header spelt with underscores', async () => {
    const { status, seen } = await forwarded('/api/accounts/a1', [`X-Ledger-Key: ${key}`, `X_Ledger_Key: ${key}`, 'X-Trace: t-2']);
    expect(status).toBe(200);
    expect(JSON.stringify(seen?.headers)).not.toContain(key.slice(-43));
    expect(seen?.headers['x-trace']).toBe('t-2');
  });

  it('takes an API key out of the query string and leaves every other byte of it as sent', async () => {
    const cases: [string, string][] = [
      [`format=csv&access_key=${key}&q=a%20b%2Bc&tag=x&tag=y`, 'format=csv&q=a%20b%2Bc&tag=x&tag=y'],
      [`access_key=${key}&q=caf%C3%A9+au+lait`, 'q=caf%C3%A9+au+lait'],
      // An encoded name is the same parameter to the gateway's parser, so it is the same key.
      [`q=1&access%5Fkey=${key}&format=json`, 'q=1&format=json'],
      [`access_key=${key}`, ''],
    ];
    for (const [sent, kept] of cases) {
      const { status, seen } = await forwarded(`/api/export?${sent}`, []);
      expect(status, sent).toBe(200);
      expect(seen?.url, sent).toBe(kept === '' ? '/api/export' : `/api/export?${kept}`);
    }
  });

  it('takes an API key cookie out of the Cookie header and keeps the other cookies', async () => {
    const { status, seen } = await forwarded('/api/reports', [`Cookie: theme=dark; ledger_session=${key}; lang="fr"`]);
    expect(status).toBe(200);
    expect(seen?.headers.cookie).toBe('theme=dark; lang="fr"');
    const alone = await forwarded('/api/reports', [`Cookie: ledger_session=${key}`]);
    expect(alone.status).toBe(200);
    expect(alone.seen?.headers).not.toHaveProperty('cookie');
  });

  it('forwards Authorization by default, and every credential where hideCredentials is false', async () => {
    const token = await idp.token({ client: 'alice', scope: 'orders:read' });
    expect((await forwarded('/api/accounts/a1', [`Authorization: Bearer ${token}`])).seen?.headers.authorization).toBe(`Bearer ${token}`);
    expect((await forwarded('/raw/accounts/a1', [`X-Ledger-Key: ${key}`])).seen?.headers['x-ledger-key']).toBe(key);
    expect((await forwarded(`/raw/export?access_key=${key}&format=csv`, [])).seen?.url).toBe(`/raw/export?access_key=${key}&format=csv`);
    // The namespace is the gateway's whatever hideCredentials says.
    expect(namespaced((await forwarded('/raw/ping', SPOOFED)).seen, 'x-gatehouse-')).toEqual({});
  });
});
