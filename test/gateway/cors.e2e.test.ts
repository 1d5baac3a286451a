import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * The CORS policy against a real gateway and upstream: each attack a hostile page could make
 * (a foreign origin, a method or header the policy does not allow, `null`, a look-alike suffix)
 * sent and refused, each legitimate twin sent and passed. Preflights are answered before the
 * contract: the spec below declares no OPTIONS.
 */
const SPEC = `
openapi: 3.0.3
info: { title: Notes, version: "1" }
paths:
  /notes/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      operationId: getNote
      responses: { "200": { description: a note, content: { application/json: { schema: { type: object } } } } }
    put:
      operationId: putNote
      requestBody: { required: true, content: { application/json: { schema: { type: object } } } }
      responses: { "204": { description: stored } }
    delete:
      operationId: deleteNote
      responses: { "204": { description: gone } }
`;

const APP = 'https://app.example.com';
let upstream: TestUpstream;
let gw: StartedGateway;
let wild: StartedGateway;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    // An upstream with its own (too open) CORS answer: the gateway's policy must win.
    if (req.method === 'GET') { json(res, 200, { id: 1 }, { 'access-control-allow-origin': '*', vary: 'Accept-Encoding' }); return; }
    res.writeHead(204);
    res.end();
  });
  const dir = await scratchDir('gh-cors-');
  await writeFiles(dir, { 'notes.yaml': SPEC });
  gw = await startGateway(await scratchDir('gh-cors-gw-'), configYaml({
    spec: path.join(dir, 'notes.yaml'),
    upstream: upstream.url,
    policies: [
      '      cors:',
      `        origins: [${APP}, "https://*.partner.example"]`,
      '        methods: [GET, PUT]',
      '        headers: [content-type, x-api-key]',
      '        credentials: true',
      '        maxAge: 2m',
    ].join('\n'),
  }));
  wild = await startGateway(await scratchDir('gh-cors-wild-'), configYaml({
    spec: path.join(dir, 'notes.yaml'),
    upstream: upstream.url,
    policies: '      cors: { origins: ["*"] }',
  }));
});

afterAll(async () => {
  await gw?.close();
  await wild?.close();
  await upstream?.close();
});

async function send(base: string, method: string, url: string, headers: Record<string, string>, body?: string) {
  const res = await request(`${base}${url}`, { method: method as 'GET', headers, ...(body === undefined ? {} : { body }) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) as Record<string, unknown> };
}

function preflight(base: string, origin: string, method: string, headers?: string) {
  return send(base, 'OPTIONS', '/notes/1', {
    origin,
    'access-control-request-method': method,
    ...(headers === undefined ? {} : { 'access-control-request-headers': headers }),
  });
}

describe('CORS preflight', () => {
  it('answers an allowed origin, method and headers with 204 before the contract runs', async () => {
    const before = upstream.requests.length;
    const res = await preflight(gw.url, APP, 'PUT', 'content-type,x-api-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toBe('PUT');
    expect(res.headers['access-control-allow-headers']).toBe('content-type, x-api-key');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-max-age']).toBe('120');
    expect(res.headers.vary).toContain('Origin');
    // Answered by the gateway: OPTIONS is not in the spec and never reaches the upstream.
    expect(upstream.requests.length).toBe(before);
  });

  it('allows a subdomain of a wildcard origin, echoing that one origin', async () => {
    const res = await preflight(gw.url, 'https://eu.partner.example', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://eu.partner.example');
  });

  it('refuses a preflight from an origin not listed, with no Access-Control-Allow-Origin', async () => {
    const res = await preflight(gw.url, 'https://evil.example', 'GET');
    expect(res.status).toBe(403);
    expect(res.body?.code).toBe('GH_CORS_ORIGIN_NOT_ALLOWED');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['a look-alike suffix', 'https://evilpartner.example'],
    ['a path standing in for a subdomain', 'https://evil.test/.partner.example'],
    ['the wildcard domain itself', 'https://partner.example'],
    ['the listed host over plain http', 'http://app.example.com'],
    ['another port of the listed host', 'https://app.example.com:8443'],
    ['the null origin of sandboxed frames', 'null'],
  ])('refuses %s', async (_name, origin) => {
    const res = await preflight(gw.url, origin, 'GET');
    expect(res.status).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a method the policy does not list, though the spec declares it', async () => {
    const res = await preflight(gw.url, APP, 'DELETE');
    expect(res.status).toBe(403);
    expect(res.body?.code).toBe('GH_CORS_PREFLIGHT_REFUSED');
    expect(res.body?.detail).toContain('DELETE');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a method the path does not serve', async () => {
    const res = await preflight(wild.url, APP, 'PATCH');
    expect(res.status).toBe(403);
    expect(res.body?.code).toBe('GH_CORS_PREFLIGHT_REFUSED');
  });

  it('refuses a request header the policy does not list', async () => {
    const res = await preflight(gw.url, APP, 'PUT', 'content-type,x-admin-override');
    expect(res.status).toBe(403);
    expect(res.body?.code).toBe('GH_CORS_PREFLIGHT_REFUSED');
    expect(res.body?.detail).toContain('x-admin-override');
  });

  it('answers "*" to any origin when the policy is any origin without credentials', async () => {
    const res = await preflight(wild.url, 'https://anyone.example', 'GET');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('leaves OPTIONS without Access-Control-Request-Method to the contract (405 here)', async () => {
    const res = await send(gw.url, 'OPTIONS', '/notes/1', { origin: APP });
    expect(res.status).toBe(405);
  });
});

describe('CORS on the request itself', () => {
  it('passes an allowed origin and answers with its CORS headers, not the upstream\'s', async () => {
    const res = await send(gw.url, 'GET', '/notes/1', { origin: APP });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toBe('x-request-id');
    expect(String(res.headers.vary)).toContain('Origin');
    expect(String(res.headers.vary)).toContain('Accept-Encoding');
  });

  it('refuses a disallowed origin before anything reaches the upstream', async () => {
    const before = upstream.requests.length;
    const res = await send(gw.url, 'PUT', '/notes/1', { origin: 'https://evil.example', 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(403);
    expect(res.body?.code).toBe('GH_CORS_ORIGIN_NOT_ALLOWED');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(upstream.requests.length).toBe(before);
  });

  it('passes a same-origin request (browsers send Origin on same-origin writes too)', async () => {
    const host = new URL(gw.url).host;
    const res = await send(gw.url, 'PUT', '/notes/1', { origin: `http://${host}`, 'content-type': 'application/json' }, '{}');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('passes requests without Origin untouched (not a browser\'s cross-origin call)', async () => {
    const res = await send(gw.url, 'GET', '/notes/1', {});
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the CORS headers on a refusal by a later policy, so the page can read the problem', async () => {
    const res = await send(gw.url, 'GET', '/notes/abc', { origin: APP });
    expect(res.status).toBe(400);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('CORS in monitor mode', () => {
  it('lets a disallowed origin through without any Access-Control-Allow-Origin, and logs the refusal it would make', async () => {
    const dir = await scratchDir('gh-cors-monitor-');
    await writeFiles(dir, { 'notes.yaml': SPEC });
    const monitor = await startGateway(dir, configYaml({ spec: path.join(dir, 'notes.yaml'), upstream: upstream.url, policies: `      cors: { mode: monitor, origins: [${APP}] }` }));
    try {
      const res = await send(monitor.url, 'GET', '/notes/1', { origin: 'https://evil.example' });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await preflight(monitor.url, 'https://evil.example', 'GET');
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      expect(monitor.logs.filter((l) => l.msg === 'monitor mode: would have refused' && l.policy === 'cors' && l.code === 'GH_CORS_ORIGIN_NOT_ALLOWED')).toHaveLength(2);
    } finally {
      await monitor.close();
    }
  });
});

describe('CORS and the inventory', () => {
  it('keeps answered preflights out of the observers (no shadow OPTIONS operation), and the requests themselves in', async () => {
    const dir = await scratchDir('gh-cors-observed-');
    await writeFiles(dir, { 'notes.yaml': SPEC });
    const seen: string[] = [];
    const observed = await startGateway(dir, configYaml({ spec: path.join(dir, 'notes.yaml'), upstream: upstream.url, policies: `      cors: { origins: [${APP}] }` }), {
      observers: [(ctx) => { seen.push(`${ctx.method} ${ctx.status}`); }],
    });
    try {
      expect((await preflight(observed.url, APP, 'PUT', 'content-type')).status).toBe(204);
      expect((await preflight(observed.url, 'https://evil.example', 'PUT')).status).toBe(403);
      expect((await send(observed.url, 'GET', '/notes/1', { origin: APP })).status).toBe(200);
      await expect.poll(() => seen.length).toBe(1);
      expect(seen).toEqual(['GET 200']);
      // Still counted and logged: the operator sees every preflight.
      expect(observed.logs.filter((l) => l.msg === 'request' && l.method === 'OPTIONS').map((l) => l.status)).toEqual([204, 403]);
    } finally {
      await observed.close();
    }
  });
});
