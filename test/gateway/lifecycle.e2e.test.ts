import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

async function setup(options: { policies?: string; spec?: string; unmatched?: string; upstream?: string } = {}): Promise<{ gw: StartedGateway; upstream: TestUpstream; dir: string }> {
  const upstream = await startUpstream((req, res) => json(res, req.method === 'POST' ? 201 : 200, { id: 3, name: 'Rex', secret: 's' }));
  open.push(upstream);
  const dir = await scratchDir();
  const gw = await startGateway(dir, configYaml({
    spec: options.spec ?? fixture('pets-3.1.yaml'),
    upstream: options.upstream ?? upstream.url,
    ...(options.policies === undefined ? {} : { policies: options.policies }),
    ...(options.unmatched === undefined ? {} : { unmatched: options.unmatched }),
  }));
  open.push(gw);
  return { gw, upstream, dir };
}

describe('specs of every version load and enforce', () => {
  for (const [file, base] of [['pets-2.0.yaml', '/v1'], ['pets-3.0.yaml', '/v1'], ['pets-3.1.yaml', '/v1']] as const) {
    it(`enforces ${file}`, async () => {
      const { gw, upstream } = await setup({ spec: fixture(file) });
      const ok = await fetch(`${gw.url}${base}/pets/3`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).not.toHaveProperty('secret');
      const bad = await fetch(`${gw.url}${base}/pets/abc`);
      expect(bad.status).toBe(400);
      const extra = await fetch(`${gw.url}${base}/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a","isAdmin":true}' });
      expect(extra.status).toBe(400);
      const good = await fetch(`${gw.url}${base}/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a"}' });
      expect(good.status).toBe(201);
      expect(upstream.requests.map((r) => r.method)).toEqual(['GET', 'POST']);
    });
  }
});

describe('monitor mode', () => {
  it('lets a violating request through, logs and counts what it would have refused', async () => {
    const { gw, upstream } = await setup({ policies: '      contract: { mode: monitor }' });
    const res = await fetch(`${gw.url}/v1/pets?limit=abc`);
    expect(res.status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
    expect(gw.logs.some((l) => l.msg === 'monitor mode: would have refused' && l.code === 'GH_CONTRACT_PARAMETER_INVALID')).toBe(true);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_refusals_total\{api="test",operation="listPets",code="GH_CONTRACT_PARAMETER_INVALID",mode="monitor"\} 1/);
  });
});

describe('unmatched traffic', () => {
  it('is passed through and flagged when the API says so', async () => {
    const { gw, upstream } = await setup({ unmatched: 'passthrough' });
    const res = await fetch(`${gw.url}/v1/undeclared/thing?x=1`);
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe('/v1/undeclared/thing?x=1');
    expect(gw.logs.some((l) => l.msg === 'request' && l.unmatched === true)).toBe(true);
  });
});

describe('upstream failures', () => {
  it('answers 502 problem+json when the upstream is down', async () => {
    const { gw } = await setup({ upstream: 'http://127.0.0.1:1' });
    const res = await fetch(`${gw.url}/v1/pets/3`);
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ code: 'GH_UPSTREAM_UNAVAILABLE', status: 502 });
  });

  it('answers 504 when the upstream is too slow', async () => {
    const { gw, upstream } = await setup();
    upstream.handle((_req, res) => { setTimeout(() => json(res, 200, { id: 1 }), 3_000).unref(); });
    const res = await fetch(`${gw.url}/v1/pets/3`);
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'GH_UPSTREAM_TIMEOUT' });
  });
});

describe('reload', () => {
  it('swaps in a new config, and a bad one is refused while the old keeps serving', async () => {
    const { gw, dir } = await setup();
    const file = path.join(dir, 'gatehouse.yaml');
    expect((await fetch(`${gw.url}/v1/pets?limit=abc`)).status).toBe(400);

    const original = await readFile(file, 'utf8');
    await writeFile(file, original + '    policies:\n      contract: { mode: monitor }\n');
    expect(await gw.gateway.reload()).toEqual({ ok: true });
    expect((await fetch(`${gw.url}/v1/pets?limit=abc`)).status).toBe(200);

    await writeFile(file, original + '    policies:\n      contract: { mode: sometimes }\n');
    const refused = await gw.gateway.reload();
    expect(refused.ok).toBe(false);
    expect(refused.errors?.[0]).toContain('apis[0].policies.contract.mode');
    expect((await fetch(`${gw.url}/v1/pets?limit=abc`)).status).toBe(200);

    await writeFile(file, original.replace(/spec: .*/, 'spec: /nonexistent.yaml'));
    expect((await gw.gateway.reload()).ok).toBe(false);
    expect((await fetch(`${gw.url}/v1/pets/3`)).status).toBe(200);
  });
});

describe('admin', () => {
  it('serves health, readiness and metrics', async () => {
    const { gw } = await setup();
    await fetch(`${gw.url}/v1/pets/3`);
    expect((await fetch(`${gw.adminUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.adminUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_requests_total\{api="test",operation="getPet",status="200"\} 1/);
    expect(metrics).toContain('gatehouse_upstream_duration_seconds_bucket');
  });
});

describe('logs', () => {
  it('never contain credentials or query values', async () => {
    const { gw } = await setup();
    await fetch(`${gw.url}/v1/pets?limit=5&tag=topsecretvalue`, { headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig-not-in-logs', cookie: 'session=cookie-not-in-logs' } });
    const text = JSON.stringify(gw.logs);
    expect(gw.logs.some((l) => l.msg === 'request')).toBe(true);
    expect(text).not.toContain('sig-not-in-logs');
    expect(text).not.toContain('cookie-not-in-logs');
    expect(text).not.toContain('topsecretvalue');
  });
});
