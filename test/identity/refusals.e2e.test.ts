import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Revocation } from '../../src/anomaly/revocations.js';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { queryDecisions } from '../../src/identity/audit-trail.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { startIdp, type TestIdp } from './idp.js';

/*
 * Refusals that must not leak: a caller the anomaly response (or an operator) blocked, and API
 * keys that are unknown, revoked, expired or malformed. Each attack is compared with its
 * legitimate twin on the wire: status, every header but Date, X-Request-Id and Content-Length
 * (the request id's length varies), and the body but
 * its request id. A real OpenID provider issues the tokens; a real upstream records what got
 * through. Spec: an OpenAPI 3.0 JSON document with header, cookie and query API keys.
 */
const SPEC = fileURLToPath(new URL('./fixtures/ledger.json', import.meta.url));
let idp: TestIdp;
let upstream: TestUpstream;
let gw: StartedGateway;
let keys: ApiKeyStore;
let lastAddress = 0;

/** A fresh client address per call unless one is given: only the blocked-address test repeats one. */
function call(path: string, headers: Record<string, string> = {}, ip = `203.0.113.${++lastAddress % 250}`): Promise<Response> {
  return fetch(`${gw.url}${path}`, { headers: { 'x-forwarded-for': ip, ...headers } });
}

/** What a client can observe of an answer, less what differs on every request. */
async function wire(res: Response): Promise<{ status: number; headers: [string, string][]; body: Record<string, unknown> }> {
  const headers = [...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id' && name !== 'content-length').sort();
  const { requestId: _id, ...body } = await res.json() as Record<string, unknown>;
  return { status: res.status, headers, body };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const ledgerKey = (key: string): Record<string, string> => ({ 'x-ledger-key': key });
/** A token whose signature does not verify: the answer every wrong token gets. */
const forge = (token: string): string => `${token.slice(0, -6)}${token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`;

function block(kind: Revocation['kind'], value: string): Promise<void> {
  const now = Date.now();
  return (gw.gateway.monitoring?.revocations as NonNullable<typeof gw.gateway.monitoring>['revocations']).add({ kind, value, action: 'block', reason: 'test block', by: 'test', createdAt: now, expiresAt: now + 600_000 });
}

beforeAll(async () => {
  idp = await startIdp();
  upstream = await startUpstream((_req, res) => json(res, 200, { ok: true }));
  const dir = await scratchDir('gh-refusals-');
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'clientIp: { trustedHops: 1 }',
    'identity:',
    '  realm: ledger',
    `  issuers: [{ issuer: "${idp.issuer}", audience: orders-api, algorithms: [ES256], maxTokenLifetime: 10m, clockSkew: 5s }]`,
    '  apiKeys: { cacheTtl: 50ms }',
    'monitoring:',
    '  respond: { credentialStuffing: block-ip }',
    '  detectors: { credentialStuffing: { failures: 5, window: 1m } }',
    'apis:',
    '  - name: ledger',
    `    spec: ${SPEC}`,
    '    basePath: /api',
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '  - name: ledger-dry-run',
    `    spec: ${SPEC}`,
    '    basePath: /dry',
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '    policies: { authentication: { mode: monitor } }',
  ].join('\n'));
  const store = gw.gateway.services.store;
  keys = new ApiKeyStore(store.kv, { pubsub: store.pubsub });
});

afterAll(async () => {
  await gw.close();
  await upstream.close();
  await idp.stop();
});

describe('an address the anomaly response blocked', () => {
  it('gets one answer, 403 GH_BLOCKED, whatever credential it sends and wherever it goes', async () => {
    const attacker = '198.51.100.7';
    const { key } = await keys.create({ name: 'teller' });
    const token = await idp.token({ client: 'alice', scope: 'orders:read' });
    // Credential stuffing: five wrong keys raise the alert whose response blocks the address.
    for (let i = 0; i < 5; i++) expect((await call('/api/accounts/a1', ledgerKey(`ghk_${'0'.repeat(11)}${i}_${key.slice(-43)}`), attacker)).status).toBe(401);
    await gw.gateway.monitoring?.flush();
    expect(gw.gateway.monitoring?.revocations.find('ip', attacker)).toMatchObject({ action: 'block', by: 'auto' });

    const forwardedBefore = upstream.requests.length;
    const answers = await Promise.all([
      call('/api/accounts/a1', ledgerKey('ghk_000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro'), attacker),
      call('/api/accounts/a1', ledgerKey(key), attacker),
      call('/api/accounts/a1', bearer(token), attacker),
      call('/api/accounts/a1', bearer(forge(token)), attacker),
      // A valid token without the scope: were authorization first, 403 would tell it is valid.
      call('/api/statements', bearer(token), attacker),
      call('/api/accounts/a1', {}, attacker),
      // Were routing first, 404 against 403 would keep telling which paths exist.
      call('/api/no-such-path', ledgerKey(key), attacker),
      call('/api/ping', {}, attacker),
    ].map(async (p) => wire(await p)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 403, body: { code: 'GH_BLOCKED' } });
    expect(upstream.requests.length).toBe(forwardedBefore);

    // The legitimate twin: the same key from another address goes through.
    expect((await call('/api/accounts/a1', ledgerKey(key))).status).toBe(200);
  });
});

describe('a blocked identity', () => {
  it('is told what an unknown key is told when it sends its valid key', async () => {
    const { key } = await keys.create({ name: 'ledger-bot' });
    expect((await call('/api/accounts/a1', ledgerKey(key))).status).toBe(200);
    await block('subject', 'ledger-bot');
    const unknown = `ghk_${'f'.repeat(12)}_${key.slice(-43)}`;
    const [blocked, stranger] = await Promise.all([call('/api/accounts/a1', ledgerKey(key)), call('/api/accounts/a1', ledgerKey(unknown))]);
    const seen = await wire(blocked);
    expect(seen).toEqual(await wire(stranger));
    expect(seen).toMatchObject({ status: 401, body: { code: 'GH_AUTHN_INVALID' } });
  });

  it('is told what a forged token is told when it sends a valid token, on an operation it lacks the scope for too', async () => {
    const token = await idp.token({ client: 'alice', scope: 'orders:read' });
    const other = await idp.token({ client: 'admin', scope: 'orders:read' });
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string };
    expect(payload.sub).toBe('alice');
    expect((await call('/api/accounts/a1', bearer(token))).status).toBe(200);
    await block('subject', 'alice');
    const answers = await Promise.all([
      call('/api/accounts/a1', bearer(token)),
      call('/api/accounts/a1', bearer(forge(token))),
      call('/api/statements', bearer(token)),
      call('/api/statements', bearer(forge(token))),
    ].map(async (p) => wire(await p)));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 401, body: { code: 'GH_AUTHN_INVALID' } });
    expect(answers[0]?.headers).toContainEqual(['www-authenticate', 'Bearer realm="ledger", error="invalid_token", error_description="the credentials could not be verified"']);
    // The twin that shows what was at stake: a valid token of a caller nobody blocked, without
    // the scope, is told 403, which a blocked caller must never hear.
    expect((await call('/api/statements', bearer(other))).status).toBe(403);
    expect((await call('/api/accounts/a1', bearer(other))).status).toBe(200);
  });

  it('is refused while authentication is only monitored, and the trail says why', async () => {
    const { key } = await keys.create({ name: 'dry-bot' });
    await block('credential', `key:${key.slice(4, 16)}`);
    const refused = await call('/dry/accounts/a1', ledgerKey(key));
    expect(refused.status).toBe(401);
    const requestId = refused.headers.get('x-request-id');
    // Monitor mode lets a wrong key through (that is what it is for); a revoked one never.
    expect((await call('/dry/accounts/a1', ledgerKey(`ghk_${'e'.repeat(12)}_${key.slice(-43)}`))).status).toBe(200);
    const record = await decision(requestId);
    expect(record).toMatchObject({ decision: 'deny', mode: 'enforce', policy: 'authenticate', code: 'GH_AUTHN_REVOKED' });
    expect(record.reason).toBe(`dry-bot (api-key, key:${key.slice(4, 16)}): credential key:${key.slice(4, 16)} is on the revocation list (test block, by test)`);
  });
});

describe('API keys that do not work', () => {
  it('get one answer on the wire whether unknown, wrong, revoked, expired or malformed; the reasons go to the trail', async () => {
    const { key } = await keys.create({ name: 'clerk' });
    const { key: revoked, record } = await keys.create({ name: 'former-clerk' });
    await keys.revoke(record.id);
    // A key that expired a day ago, issued as the CLI would have issued it then.
    const { key: expired } = await new ApiKeyStore(gw.gateway.services.store.kv, { now: () => Date.now() - 2 * 86_400_000 }).create({ name: 'temp', ttlMs: 86_400_000 });
    const cases: [string, string, string, string][] = [
      ['unknown', `ghk_${'a'.repeat(12)}_${key.slice(-43)}`, 'GH_AUTHN_INVALID', 'unknown key id'],
      ['wrong secret', forge(key), 'GH_AUTHN_INVALID', 'wrong secret'],
      ['revoked', revoked, 'GH_AUTHN_REVOKED', 'revoked'],
      ['expired', expired, 'GH_AUTHN_TOKEN_EXPIRED', 'expired'],
      ['malformed', 'hunter2', 'GH_AUTHN_INVALID', 'not a Gatehouse API key'],
      ['almost a key', `ghk_${'g'.repeat(12)}_${key.slice(-43)}`, 'GH_AUTHN_INVALID', 'not a Gatehouse API key'],
    ];
    const responses = await Promise.all(cases.map(([, k]) => call('/api/accounts/a1', ledgerKey(k))));
    const answers = await Promise.all(responses.map(wire));
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(answers[0]).toMatchObject({ status: 401, body: { code: 'GH_AUTHN_INVALID', detail: 'the credentials could not be verified' } });
    // The same holds for the query-string and cookie forms.
    const query = await Promise.all([`access_key=${revoked}`, `access_key=${cases[0]?.[1] ?? ''}`, 'access_key=x'].map((q) => call(`/api/export?${q}`).then(wire)));
    for (const answer of query) expect(answer).toEqual(query[0]);
    const cookie = await Promise.all([revoked, expired, 'x'].map((k) => call('/api/reports', { cookie: `ledger_session=${k}` }).then(wire)));
    for (const answer of cookie) expect(answer).toEqual(cookie[0]);
    // The legitimate twin.
    expect((await call('/api/accounts/a1', ledgerKey(key))).status).toBe(200);

    for (const [i, [name, , code, reason]] of cases.entries()) {
      const record = await decision(responses[i]?.headers.get('x-request-id') ?? null);
      expect(record, name).toMatchObject({ decision: 'deny', code });
      expect(String(record.reason), name).toContain(reason);
      const logged = gw.logs.find((l) => l.msg === 'identity refusal' && l.reqId === responses[i]?.headers.get('x-request-id'));
      expect(logged, name).toMatchObject({ code, reason: record.reason });
    }
    // Neither the trail nor the log holds a key.
    const everything = JSON.stringify(await gw.gateway.services.store.records.query('identity-decisions', { limit: 10_000 })) + JSON.stringify(gw.logs);
    for (const [, k] of cases) if (k.startsWith('ghk_')) expect(everything).not.toContain(k.slice(-43));
  });
});

/** The decision trail's record of a request (written off the request path: polled briefly). */
async function decision(requestId: string | null): Promise<Record<string, unknown>> {
  const records = gw.gateway.services.store.records;
  for (let i = 0; i < 30; i++) {
    const found = (await queryDecisions(records, 'identity-decisions', { decision: 'deny', limit: 1000 })).map((r) => r.data).find((d) => d.requestId === requestId);
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no decision recorded for ${String(requestId)}`);
}
