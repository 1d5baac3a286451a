/**
 * The two gateways a campaign attacks, each in front of its own copy of the demo's sample
 * service (behind a fault switch):
 *   demo      — examples/demo/gatehouse.yaml exactly as `gatehouse demo` runs it (ES256 JWTs,
 *               contract, object-level rule; memory store);
 *   hardened  — a hand-written config: API keys and RS256/ES256 JWTs, rate limits on Redis
 *               (a private redis-server the store-down scenario kills), injection guard,
 *               strict contract, OpenAPI 3.0 spec (fixtures/shop-hardened.yaml).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoFile } from '../../src/demo/paths.js';
import { startSampleApi, type SampleApi } from '../../src/demo/sample-api.js';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { loadSpec } from '../../src/openapi/index.js';
import { createStore } from '../../src/store/index.js';
import { FaultSwitch, GatewayProcess, RedisProcess, type GatehouseCommand } from './processes.js';
import { forgeries, issuerKey, legitimate, type Forged, type Issuer } from './tokens.js';

export interface HttpCall {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

export interface Target {
  readonly name: string;
  readonly gateway: GatewayProcess;
  readonly fault: FaultSwitch;
  readonly redis: RedisProcess | undefined;
  /** The spec's operations (method, template with the base path), for the fuzzer. */
  readonly operations: readonly { method: string; template: string }[];
  /** A read that a valid credential passes (200): the twin of every forged token. */
  readonly read: HttpCall;
  /** A write with a valid body (201). */
  readonly write: HttpCall;
  /** Bearer-protected read with a placeholder credential: forged tokens go in its Authorization. */
  readonly readPath: string;
  readonly forged: readonly Forged[];
  readonly credentials: { readonly valid: readonly Record<string, string>[]; readonly invalid: readonly Record<string, string>[] };
  /** A route the upstream serves and no spec declares: reaching it upstream means smuggling. */
  readonly hidden: string;
  hiddenHits(): number;
  /** Answers the campaign does not blame on the gateway (the demo service's deliberate crash). */
  knownDefect(method: string, path: string): boolean;
  close(): Promise<void>;
}

const HIDDEN = '/api/internal/debug';
const ORDER = JSON.stringify({ userId: 1, items: [{ sku: 'BOOK-001', quantity: 1 }] });

function countHidden(server: Server): () => number {
  let hits = 0;
  server.prependListener('request', (req: { url?: string }) => {
    if ((req.url ?? '').toLowerCase().includes('internal')) hits++;
  });
  return () => hits;
}

async function operationsOf(spec: string): Promise<{ method: string; template: string }[]> {
  const loaded = await loadSpec(spec);
  const bases = loaded.basePaths.length > 0 ? loaded.basePaths : [''];
  return bases.flatMap((b) => loaded.operations.map((o) => ({ method: o.method.toUpperCase(), template: b + o.path })));
}

/** Credentials the fuzzer picks from: valid ones, and none, malformed or forged ones. */
function credentialsFor(user: string, admin: string, forged: readonly Forged[], apiKey?: string): { valid: Record<string, string>[]; invalid: Record<string, string>[] } {
  return {
    valid: [
      { authorization: `Bearer ${user}` }, { authorization: `Bearer ${user}` }, { authorization: `Bearer ${admin}` }, { authorization: `bearer ${user}` },
      ...(apiKey === undefined ? [] : [{ 'x-api-key': apiKey }, { 'x-api-key': apiKey, authorization: `Bearer ${user}` }]),
    ],
    invalid: [
      {}, {}, { authorization: `Bearer  ${user}` }, { authorization: `Bearer ${user} trailing` }, { authorization: 'Bearer' },
      { authorization: 'Basic YWRtaW46YWRtaW4=' }, { authorization: `Token ${user}` }, { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
      ...forged.slice(0, 6).map((f) => ({ authorization: `Bearer ${f.token}` })),
      ...(apiKey === undefined ? [] : [{ 'x-api-key': `${apiKey}x` }, { 'x-api-key': 'ghk_000000000000_AAAA' }, { 'x-api-key': '' }]),
    ],
  };
}

interface Upstream { sample: SampleApi; fault: FaultSwitch; hiddenHits: () => number }

async function upstream(): Promise<Upstream> {
  const sample = await startSampleApi();
  const hiddenHits = countHidden(sample.server);
  const fault = await FaultSwitch.start({ host: '127.0.0.1', port: (sample.server.address() as AddressInfo).port });
  return { sample, fault, hiddenHits };
}

export async function startDemo(command: GatehouseCommand): Promise<Target> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-campaign-demo-'));
  const up = await upstream();
  const key = await issuerKey('ES256', 'demo-campaign');
  const jwks = path.join(dir, 'jwks.json');
  await writeFile(jwks, JSON.stringify({ keys: [key.jwk] }));
  const issuer: Issuer = { issuer: 'urn:gatehouse:demo', audience: 'shop', alg: 'ES256', kid: 'demo-campaign', privateKey: key.privateKey, publicKey: key.publicKey, subject: '1', scopes: ['orders:read', 'orders:write'] };
  const env = { ...process.env, DEMO_UPSTREAM_URL: up.fault.url, DEMO_JWKS_FILE: jwks, GATEHOUSE_PORT: '0', GATEHOUSE_ADMIN_PORT: '0', GATEHOUSE_LOG_LEVEL: 'info' };
  const gateway = await GatewayProcess.start('demo', command, demoFile('gatehouse.yaml'), env, dir);
  const user = await legitimate(issuer);
  const admin = await legitimate({ ...issuer, subject: 'admin' });
  const forged = await forgeries(issuer);
  return {
    name: 'demo', gateway, fault: up.fault, redis: undefined,
    operations: await operationsOf(demoFile('openapi.yaml')),
    read: { method: 'GET', path: '/api/users/1/orders', headers: { authorization: `Bearer ${user}` } },
    write: { method: 'POST', path: '/api/orders', headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' }, body: ORDER },
    readPath: '/api/users/1/orders',
    forged, credentials: credentialsFor(user, admin, forged), hidden: HIDDEN, hiddenHits: up.hiddenHits,
    // The sample service throws on this order id on purpose, to show the gateway withholding the stack.
    knownDefect: (method, p) => method === 'GET' && /^\/api\/orders\/999(?:[?#]|$)/.test(p),
    async close() {
      await gateway.stop();
      await up.fault.close();
      await up.sample.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The hand-written variant; its spec and config are in a style the demo does not use. */
export async function startHardened(command: GatehouseCommand): Promise<Target> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-campaign-hardened-'));
  const up = await upstream();
  const redis = await RedisProcess.start();
  const rs = await issuerKey('RS256', 'campaign-rs');
  const es = await issuerKey('ES256', 'campaign-es');
  await writeFile(path.join(dir, 'jwks.json'), JSON.stringify({ keys: [rs.jwk, es.jwk] }));
  const spec = fileURLToPath(new URL('fixtures/shop-hardened.yaml', campaignRoot()));
  const prefix = `campaign-${process.pid}:`;
  await writeFile(path.join(dir, 'gatehouse.yaml'), [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    `store: { redis: { url: "${redis.url}", prefix: "${prefix}" } }`,
    'logging: { level: info, access: false }',
    'limits: { maxBodyBytes: 64kb, maxHeaderCount: 64, headersTimeout: 5s, requestTimeout: 10s }',
    'identity:',
    '  realm: shop',
    '  issuers:',
    '    - issuer: https://idp.campaign.example',
    '      audience: shop-api',
    '      jwks: "file:jwks.json"',
    '      algorithms: [RS256, ES256]',
    '      maxTokenLifetime: 1h',
    '  apiKeys: { header: x-api-key }',
    'apis:',
    '  - name: shop',
    `    spec: ${spec}`,
    `    upstream: { url: "${up.fault.url}", timeout: 2s, connectTimeout: 500ms }`,
    '    policies:',
    '      contract: { mode: enforce, unknownFields: reject, unknownQuery: reject, responses: strip }',
    '      objectAuth:',
    '        rules:',
    '          - { operations: [listUserOrders], param: path.userId, claim: sub, unlessRole: admin }',
    '      rateLimit:',
    '        limits:',
    '          - { by: ip, rate: 200000/min }',
    '          - { name: per-user, by: identity, rate: 50000/min, burst: 2000 }',
    '      injection: { mode: enforce }',
  ].join('\n'));
  const store = await createStore({ redis: { url: redis.url, prefix } });
  const { key: apiKey } = await new ApiKeyStore(store.kv).create({ name: 'campaign-service' });
  await store.close();
  const issuer: Issuer = {
    issuer: 'https://idp.campaign.example', audience: 'shop-api', alg: 'RS256', kid: 'campaign-rs', privateKey: rs.privateKey, publicKey: rs.publicKey,
    subject: '1', scopes: ['orders:read', 'orders:write', 'users:read', 'users:write'],
  };
  const gateway = await GatewayProcess.start('hardened', command, path.join(dir, 'gatehouse.yaml'), { ...process.env }, dir);
  const user = await legitimate(issuer);
  const admin = await legitimate({ ...issuer, subject: 'admin' });
  const forged = [...await forgeries(issuer), ...(await forgeries({ ...issuer, alg: 'ES256', kid: 'campaign-es', privateKey: es.privateKey, publicKey: es.publicKey })).map((f) => ({ ...f, name: `ES256: ${f.name}` }))];
  return {
    name: 'hardened', gateway, fault: up.fault, redis,
    operations: await operationsOf(spec),
    read: { method: 'GET', path: '/api/users/1/orders', headers: { authorization: `Bearer ${user}` } },
    write: { method: 'POST', path: '/api/orders', headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' }, body: ORDER },
    readPath: '/api/users/1/orders',
    forged, credentials: credentialsFor(user, admin, forged, apiKey), hidden: HIDDEN, hiddenHits: up.hiddenHits,
    knownDefect: () => false,
    async close() {
      await gateway.stop();
      await redis.down();
      await up.fault.close();
      await up.sample.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** bench/campaign/ in the source tree, from here or from dist/bench/campaign/. */
function campaignRoot(): URL {
  return fileURLToPath(import.meta.url).includes(`${path.sep}dist${path.sep}`) ? new URL('../../../bench/campaign/', import.meta.url) : new URL('./', import.meta.url);
}
