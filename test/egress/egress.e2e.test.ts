import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProvider, type FakeProvider } from '../../examples/egress/provider.mjs';
import type { Alert } from '../../src/anomaly/alert.js';
import { ALERT_STREAM } from '../../src/anomaly/dispatch.js';
import { parseConfig } from '../../src/config/index.js';
import { buildInventory } from '../../src/inventory/report.js';
import { readRows } from '../../src/inventory/rows.js';
import { loadSpec } from '../../src/openapi/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { kekFromBytes, SecretStore } from '../../src/secrets/index.js';
import { scratchDir } from '../helpers/gateway.js';

/**
 * Egress end to end: internal callers -> the gateway -> a fake third-party API (the example's
 * provider, examples/egress/provider.mjs) that answers some widget ids honestly and the others
 * maliciously. Every malicious answer is refused or cleaned; the honest one passes.
 */
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/egress');
const PROVIDER_KEY = 'sk_live_acme_4f9c2b7e1d0a8c6b';

let provider: FakeProvider;
let gateway: Gateway;
let base: string;
let metricsUrl: string;
let specFile: string;
const logs: Record<string, unknown>[] = [];

/** One egress API on the provider, mounted at /providers/NAME. */
function egressApi(name: string, egress: string, policies = ''): string {
  return [
    `  - name: ${name}`,
    '    direction: egress',
    '    spec: acme.openapi.yaml',
    `    basePath: /providers/${name}`,
    `    upstream: { url: "http://127.0.0.1:${provider.port}/v1", timeout: 2s, connectTimeout: 1s, maxResponseBytes: 64kb }`,
    '    egress:',
    '      plainHttp: true',
    '      allowPrivate: [127.0.0.1]',
    '      responseTimeout: 1s',
    ...egress.split('\n').filter((l) => l !== '').map((l) => `      ${l}`),
    policies === '' ? '' : `    policies:\n${policies.split('\n').filter((l) => l !== '').map((l) => `      ${l}`).join('\n')}`,
  ].join('\n');
}

async function startEgressGateway(dir: string, apis: string[], env: Record<string, string> = {}): Promise<Gateway> {
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'secrets: { store: secrets.json }',
    // Every response walked, so the provider's added fields show as drift in this short test.
    'inventory: { sampleRate: 1 }',
    'monitoring: { detectors: { enumeration: { distinctIds: 5 } } }',
    'apis:',
    ...apis,
  ].join('\n');
  const file = path.join(dir, 'gatehouse.yaml');
  await writeFile(file, yaml);
  const config = await parseConfig(yaml, file, { env });
  const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>); } });
  return Gateway.start(config, { logger, drainMs: 200 });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

async function metrics(): Promise<string> {
  return (await fetch(metricsUrl)).text();
}

/** Requests the provider received for a widget id. */
function reached(id: number): number {
  return provider.requests.filter((r) => r.url.startsWith(`/v1/widgets/${id}`)).length;
}

beforeAll(async () => {
  provider = await startProvider();
  const dir = await scratchDir('gh-egress-');
  const spec = (await readFile(path.join(EXAMPLE, 'acme.openapi.yaml'), 'utf8')).replace('127.0.0.1:4010', `127.0.0.1:${provider.port}`);
  specFile = path.join(dir, 'acme.openapi.yaml');
  await writeFile(specFile, spec);
  // The provider's key lives in the encrypted local store (src/secrets), never in the config.
  const kek = randomBytes(32);
  const k = kekFromBytes(kek);
  await new SecretStore({ file: path.join(dir, 'secrets.json'), keys: { current: k, byId: new Map([[k.id, k]]) } }).set('acme-key', PROVIDER_KEY);
  gateway = await startEgressGateway(dir, [
    egressApi('acme', 'redirects: 1\ncredentials:\n  - { header: authorization, value: "Bearer ${secret:acme-key}" }', 'contract: { responses: strip }'),
    egressApi('strict', 'credentials:\n  - { query: api_key, value: "${secret:acme-key}" }', 'contract: { responses: block }'),
    egressApi('watch', 'mode: monitor'),
    egressApi('limited', '', 'rateLimit: { limits: [{ by: api, rate: 2/min, burst: 2 }] }'),
  ], { GATEHOUSE_SECRETS_KEY: kek.toString('base64') });
  base = `${gateway.httpUrl}/providers`;
  metricsUrl = `http://127.0.0.1:${gateway.addresses.admin?.port ?? 0}/metrics`;
});

afterAll(async () => {
  await gateway?.close();
  await provider?.close();
});

describe('egress: the legitimate answer', () => {
  it('passes unchanged, with the provider key injected and the caller\'s own credential and address kept inside', async () => {
    const before = provider.requests.length;
    const res = await get(`${base}/acme/widgets/1`, { authorization: 'Bearer internal-service-token', 'x-forwarded-for': '10.1.2.3' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: 1, name: 'sprocket', price: 9.5, updated: '2026-01-01T00:00:00Z' });
    const seen = provider.requests.slice(before);
    expect(seen).toHaveLength(1);
    // Mounted at /providers/acme, served at the provider's /v1.
    expect(seen[0]?.url).toBe('/v1/widgets/1');
    expect(seen[0]?.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
    for (const h of ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-request-id']) expect(seen[0]?.headers[h]).toBeUndefined();
    expect(JSON.stringify(logs)).not.toContain(PROVIDER_KEY);
  });

  it('injects a query credential and drops the caller\'s copy of it', async () => {
    const before = provider.requests.length;
    const res = await get(`${base}/strict/widgets/1?api_key=guessed`);
    // The provider's spec declares no api_key parameter: the contract refuses the caller's copy.
    expect(res.status).toBe(400);
    const ok = await get(`${base}/strict/widgets/1`);
    expect(ok.status).toBe(200);
    const seen = provider.requests.slice(before);
    expect(seen.map((r) => r.url)).toEqual([`/v1/widgets/1?api_key=${PROVIDER_KEY}`]);
  });

  it('passes the provider\'s declared 404 and asks nothing of callers for the provider\'s own security scheme', async () => {
    const res = await get(`${base}/acme/widgets/99`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ message: 'no such widget' });
  });
});

describe('egress: malicious answers', () => {
  it('refuses wrong types, a malformed date-time and an oversized string', async () => {
    for (const id of [2, 10, 11]) {
      const res = await get(`${base}/acme/widgets/${id}`);
      expect(res.status, `widget ${id}`).toBe(502);
      expect(res.body.code).toBe('GH_UPSTREAM_RESPONSE_INVALID');
      expect(JSON.stringify(res.body)).not.toContain('cheap');
    }
  });

  it('strips extra fields carrying injection payloads (strip), and refuses them (block)', async () => {
    const stripped = await get(`${base}/acme/widgets/3`);
    expect(stripped.status).toBe(200);
    expect(stripped.body).toEqual({ id: 3, name: 'sprocket', price: 9.5 });
    const blocked = await get(`${base}/strict/widgets/3`);
    expect(blocked.status).toBe(502);
    expect(blocked.body.code).toBe('GH_UPSTREAM_RESPONSE_INVALID');
    expect(await metrics()).toMatch(/gatehouse_response_fields_stripped_total\{api="acme",operation="getWidget"\} [1-9]/);
  });

  it('refuses a body declared too large before reading it, and one that grows too large while read', async () => {
    for (const id of [4, 5]) {
      const res = await get(`${base}/acme/widgets/${id}`);
      expect(res.status, `widget ${id}`).toBe(502);
      expect(res.body.code).toBe('GH_UPSTREAM_RESPONSE_TOO_LARGE');
    }
  });

  it('refuses redirects to loopback and to the metadata service without following them', async () => {
    for (const id of [6, 7]) {
      const before = provider.requests.length;
      const res = await get(`${base}/acme/widgets/${id}`);
      expect(res.status, `widget ${id}`).toBe(502);
      expect(res.body.code).toBe('GH_EGRESS_REDIRECT_REFUSED');
      expect(res.headers.get('location')).toBeNull();
      expect(provider.requests.length - before).toBe(1);
    }
    expect(await metrics()).toMatch(/gatehouse_egress_refusals_total\{api="acme",reason="redirect_origin",mode="enforce"\} 2/);
  });

  it('follows a redirect on the provider\'s own origin up to egress.redirects, and no further', async () => {
    const followed = await get(`${base}/acme/widgets/9`);
    expect(followed.status).toBe(200);
    expect(followed.body.id).toBe(1);
    const tooMany = await get(`${base}/acme/widgets/14`);
    expect(tooMany.status).toBe(502);
    expect(tooMany.body.code).toBe('GH_EGRESS_REDIRECT_REFUSED');
    // redirects: 0 (the default): not even the same origin.
    const none = await get(`${base}/strict/widgets/9`);
    expect(none.status).toBe(502);
    expect(none.body.code).toBe('GH_EGRESS_REDIRECT_REFUSED');
  });

  it('cuts a body that drips slower than egress.responseTimeout allows', async () => {
    const res = await get(`${base}/acme/widgets/8`);
    expect(res.status).toBe(504);
    expect(res.body.code).toBe('GH_UPSTREAM_TIMEOUT');
  });

  it('refuses an undeclared media type and an undeclared status', async () => {
    const html = await get(`${base}/acme/widgets/12`);
    expect(html.status).toBe(502);
    expect(JSON.stringify(html.body)).not.toContain('<script>');
    const teapot = await get(`${base}/acme/widgets/13`);
    expect(teapot.status).toBe(502);
    expect(teapot.body.code).toBe('GH_UPSTREAM_RESPONSE_INVALID');
  });
});

describe('egress: monitor mode and outbound limits', () => {
  it('records what enforcement would refuse and lets it through', async () => {
    const wrong = await get(`${base}/watch/widgets/2`);
    expect(wrong.status).toBe(200);
    expect(wrong.body.price).toBe('cheap');
    const redirect = await get(`${base}/watch/widgets/7`);
    expect(redirect.status).toBe(302);
    const text = await metrics();
    expect(text).toMatch(/gatehouse_refusals_total\{api="watch",operation="getWidget",code="GH_UPSTREAM_RESPONSE_INVALID",mode="monitor"\} 1/);
    expect(text).toMatch(/gatehouse_egress_refusals_total\{api="watch",reason="redirect_origin",mode="monitor"\} 1/);
  });

  it('limits calls to the provider across every caller (by: api)', async () => {
    const before = reached(1);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(`${base}/limited/widgets/1`, { 'x-caller': `svc-${i}` })).status);
    expect(statuses).toEqual([200, 200, 429]);
    expect(reached(1) - before).toBe(2);
  });

  it('keeps the inventory of a provider as of an own API: calls counted, the fields it added as drift', async () => {
    await gateway.monitoring?.flush();
    const report = buildInventory({
      apis: [{ config: { name: 'acme', owner: undefined, basePath: '/providers/acme', direction: 'egress' }, spec: await loadSpec(specFile) }],
      rows: await readRows(gateway.services.store.records),
    });
    expect(report.apis[0]?.direction).toBe('egress');
    expect(report.operations.find((o) => o.api === 'acme')?.count).toBeGreaterThan(5);
    const drift = report.drift.filter((d) => d.api === 'acme' && d.location === 'response').map((d) => d.field).sort();
    expect(drift).toEqual(expect.arrayContaining(['html', 'isAdmin', 'note']));
  });

  it('raises anomaly alerts on egress traffic, marked egress: one caller walking the provider\'s ids', async () => {
    for (let id = 20; id < 28; id++) await get(`${base}/acme/widgets/${id}`);
    await gateway.monitoring?.flush();
    const alerts = (await gateway.services.store.records.query(ALERT_STREAM, { limit: 1000 })).map((r) => r.data as unknown as Alert);
    const enumeration = alerts.find((a) => a.type === 'enumeration' && a.api === 'acme');
    expect(enumeration?.direction).toBe('egress');
  });

  it('labels egress APIs in the metrics', async () => {
    const text = await metrics();
    expect(text).toContain('gatehouse_api_info{api="acme",direction="egress"} 1');
    expect(text).toMatch(/gatehouse_requests_total\{api="acme",operation="getWidget",status="200"\} \d+/);
  });
});

describe('egress: the destination guard', () => {
  it('refuses to connect when the provider\'s name resolves to a loopback address (no allowPrivate)', async () => {
    const dir = await scratchDir('gh-egress-ssrf-');
    const spec = (await readFile(path.join(EXAMPLE, 'acme.openapi.yaml'), 'utf8')).replace('127.0.0.1:4010', `localhost:${provider.port}`);
    await writeFile(path.join(dir, 'acme.openapi.yaml'), spec);
    const yaml = [
      '  - name: named',
      '    direction: egress',
      '    spec: acme.openapi.yaml',
      '    basePath: /named',
      `    upstream: { url: "http://localhost:${provider.port}/v1", connectTimeout: 1s }`,
      '    egress: { plainHttp: true }',
    ].join('\n');
    const guarded = await startEgressGateway(dir, [yaml]);
    try {
      const before = provider.requests.length;
      const res = await get(`${guarded.httpUrl}/named/widgets/1`);
      expect(res.status).toBe(502);
      expect(res.body.code).toBe('GH_EGRESS_DESTINATION_REFUSED');
      expect(provider.requests.length).toBe(before);
      const text = await (await fetch(`http://127.0.0.1:${guarded.addresses.admin?.port ?? 0}/metrics`)).text();
      expect(text).toMatch(/gatehouse_egress_refusals_total\{api="named",reason="address",mode="enforce"\} 1/);
    } finally {
      await guarded.close();
    }
  });
});
