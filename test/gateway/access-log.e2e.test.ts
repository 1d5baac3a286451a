import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { createLogger } from '../../src/observe/logger.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * The access line operators search by: who (client address after trusted-proxy resolution,
 * subject, credential id, user agent), how much (bytes in and out), how long upstream, and which
 * policy refused. Read from the raw lines the gateway's own logger writes, in each of the three
 * field-name formats.
 */
const SPEC = `
openapi: 3.0.3
info: { title: Items, version: "1" }
components:
  securitySchemes: { bearer: { type: http, scheme: bearer } }
security: [{ bearer: [] }]
paths:
  /items:
    post:
      operationId: createItem
      requestBody: { required: true, content: { application/json: { schema: { type: object, properties: { name: { type: string } } } } } }
      responses: { "201": { description: created, content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } } }
  /items/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      operationId: getItem
      responses: { "200": { description: an item, content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } } }
`;
const ISSUER = 'urn:test:access-log';

let upstream: TestUpstream;
let dir: string;
let key: SigningKey;
const running: Gateway[] = [];

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, req.method === 'POST' ? 201 : 200, { id: 42 }));
  dir = await scratchDir('gh-access-log-');
  key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(key)));
  await writeFiles(dir, { 'items.yaml': SPEC });
});

afterAll(async () => {
  await Promise.all(running.map((g) => g.close()));
  await upstream?.close();
});

/** A gateway whose logger is the one `gatehouse start` makes, writing into `lines`. */
async function start(format: string): Promise<{ url: string; lines: string[] }> {
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    `logging: { accessFormat: ${format} }`,
    // The gateway sits behind one proxy on loopback: the address it appends is the client's.
    'clientIp: { trustedProxies: [127.0.0.1] }',
    'identity:',
    `  issuers: [{ issuer: "${ISSUER}", audience: items, jwks: "file:jwks.json", algorithms: [ES256] }]`,
    'apis:',
    '  - name: items',
    '    spec: items.yaml',
    `    upstream: { url: "${upstream.url}" }`,
  ].join('\n');
  const file = path.join(dir, `gatehouse-${format}.yaml`);
  writeFileSync(file, yaml);
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => { lines.push(line); } } });
  const gateway = await Gateway.start(await parseConfig(yaml, file), { logger, drainMs: 200 });
  running.push(gateway);
  return { url: gateway.httpUrl, lines };
}

async function send(url: string, method: 'GET' | 'POST', target: string, headers: Record<string, string>, body?: string): Promise<number> {
  const res = await request(`${url}${target}`, { method, headers, ...(body === undefined ? {} : { body }) });
  await res.body.text();
  return res.statusCode;
}

/** The access line of the request sent with `ua` as its user agent, parsed from the raw text. */
function accessLine(lines: string[], ua: string): { raw: string; line: Record<string, unknown> } {
  const raw = lines.find((l) => l.includes(ua) && l.includes('"msg":"request"'));
  expect(raw, `no access line for ${ua}`).toBeDefined();
  return { raw: raw as string, line: JSON.parse(raw as string) as Record<string, unknown> };
}

describe('the access log line', () => {
  it('names the client behind the trusted proxy, the caller and credential id (never the token), the agent, bytes and upstream time', async () => {
    const gw = await start('gatehouse');
    const token = await mintToken(key, { issuer: ISSUER, audience: 'items', subject: 'carol', ttlSeconds: 60 });
    const body = JSON.stringify({ name: 'tea' });
    const status = await send(gw.url, 'POST', '/items', {
      authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'access-test/1 (ok)', 'x-forwarded-for': '203.0.113.9',
    }, body);
    expect(status).toBe(201);
    await expect.poll(() => gw.lines.some((l) => l.includes('access-test/1 (ok)'))).toBe(true);
    const { raw, line } = accessLine(gw.lines, 'access-test/1 (ok)');
    expect(line).toMatchObject({
      msg: 'request', method: 'POST', path: '/items', api: 'items', operation: 'createItem', status: 201,
      client: '203.0.113.9', subject: 'carol', userAgent: 'access-test/1 (ok)', bytesIn: body.length, bytesOut: JSON.stringify({ id: 42 }).length,
    });
    expect(line.credentialId).toMatch(/^jti:[0-9a-f-]{36}$/);
    expect(line.upstreamMs).toBeTypeOf('number');
    expect(line.policy).toBeUndefined();
    // Neither the token nor any part of its signature is written.
    expect(raw).not.toContain(token);
    expect(raw).not.toContain(token.split('.')[2] as string);
  });

  it('names the policy that refused, and a client address the proxy did not vouch for is not believed', async () => {
    const gw = await start('gatehouse');
    // A forged X-Forwarded-For from a client that is itself the trusted proxy's peer: only the
    // rightmost untrusted entry counts, so the address appended last is the client.
    const status = await send(gw.url, 'GET', '/items/1', { 'user-agent': 'access-test/2 (refused)', 'x-forwarded-for': '10.9.9.9, 198.51.100.7', authorization: 'Bearer not.a.token' });
    expect(status).toBe(401);
    await expect.poll(() => gw.lines.some((l) => l.includes('access-test/2 (refused)'))).toBe(true);
    const { raw, line } = accessLine(gw.lines, 'access-test/2 (refused)');
    expect(line).toMatchObject({ status: 401, code: 'GH_AUTHN_INVALID', policy: 'authenticate', client: '198.51.100.7' });
    expect(line.subject).toBeUndefined();
    expect(line.upstreamMs).toBeUndefined();
    expect(line.bytesOut).toBeGreaterThan(0);
    expect(raw).not.toContain('not.a.token');
  });

  it('bounds a user agent of any length', async () => {
    const gw = await start('gatehouse');
    const ua = `access-test/3 ${'x'.repeat(5000)}`;
    await send(gw.url, 'GET', '/items/1', { 'user-agent': ua });
    await expect.poll(() => gw.lines.some((l) => l.includes('access-test/3'))).toBe(true);
    const { line } = accessLine(gw.lines, 'access-test/3');
    expect((line.userAgent as string).length).toBe(256);
  });

  it('writes Elastic Common Schema field names with accessFormat: ecs', async () => {
    const gw = await start('ecs');
    const token = await mintToken(key, { issuer: ISSUER, audience: 'items', subject: 'dave', ttlSeconds: 60 });
    await send(gw.url, 'GET', '/items/7', { authorization: `Bearer ${token}`, 'user-agent': 'access-test/ecs', 'x-forwarded-for': '203.0.113.10' });
    await send(gw.url, 'GET', '/items/8', { 'user-agent': 'access-test/ecs-refused' });
    await expect.poll(() => gw.lines.filter((l) => l.includes('access-test/ecs')).length).toBe(2);
    const ok = accessLine(gw.lines, 'access-test/ecs"').line;
    expect(ok).toMatchObject({
      http: { request: { method: 'GET', body: { bytes: 0 } }, response: { status_code: 200, body: { bytes: JSON.stringify({ id: 42 }).length } } },
      url: { path: '/items/7' }, client: { ip: '203.0.113.10' }, user: { id: 'dave' }, user_agent: { original: 'access-test/ecs' },
      event: { outcome: 'success' }, gatehouse: { api: 'items', operation: 'getItem' },
    });
    expect((ok.gatehouse as { credential_id: string }).credential_id).toMatch(/^jti:/);
    expect((ok.event as { duration: number }).duration).toBeGreaterThan(0);
    const refused = accessLine(gw.lines, 'access-test/ecs-refused').line;
    expect(refused).toMatchObject({ event: { outcome: 'failure', reason: 'GH_AUTHN_REQUIRED' }, rule: { name: 'authenticate' }, http: { response: { status_code: 401 } } });
    expect(refused.user).toBeUndefined();
  });

  it('writes OpenTelemetry semantic convention names with accessFormat: otel', async () => {
    const gw = await start('otel');
    const token = await mintToken(key, { issuer: ISSUER, audience: 'items', subject: 'erin', ttlSeconds: 60 });
    await send(gw.url, 'GET', '/items/9', { authorization: `Bearer ${token}`, 'user-agent': 'access-test/otel' });
    await expect.poll(() => gw.lines.some((l) => l.includes('access-test/otel'))).toBe(true);
    const { line } = accessLine(gw.lines, 'access-test/otel');
    expect(line).toMatchObject({
      'http.request.method': 'GET', 'url.path': '/items/9', 'http.route': '/items/{id}', 'http.response.status_code': 200,
      'client.address': '127.0.0.1', 'user_agent.original': 'access-test/otel', 'enduser.id': 'erin', 'gatehouse.api': 'items',
    });
    expect(line['gatehouse.credential_id']).toMatch(/^jti:/);
    expect(line['gatehouse.upstream.duration_ms']).toBeTypeOf('number');
  });
});
