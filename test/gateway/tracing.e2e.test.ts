import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { parseConfig } from '../../src/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { createLogger } from '../../src/observe/logger.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * Tracing end to end: a gateway exporting over OTLP/HTTP to a receiver this test runs (a real
 * HTTP server that decodes what arrives), an upstream that records the traceparent it is sent,
 * and callers that send their own traceparent, an unsampled one, a garbled one, or none.
 */
const SPEC = `
openapi: 3.0.3
info: { title: Items, version: "1" }
components:
  securitySchemes: { bearer: { type: http, scheme: bearer } }
security: [{ bearer: [] }]
paths:
  /items/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    get:
      operationId: getItem
      responses: { "200": { description: an item, content: { application/json: { schema: { type: object, properties: { id: { type: integer } } } } } } }
`;
const ISSUER = 'urn:test:tracing';

interface OtlpSpan {
  traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number;
  attributes?: { key: string; value: Record<string, unknown> }[];
  status?: { code?: number };
}

/** An OTLP/HTTP receiver: decodes the JSON export requests sent to /v1/traces. */
async function startReceiver(): Promise<{ url: string; spans: OtlpSpan[]; resources: Record<string, unknown>[]; headers: Record<string, unknown>[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const resources: Record<string, unknown>[] = [];
  const headers: Record<string, unknown>[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || req.method !== 'POST') { res.writeHead(404); res.end(); return; }
      headers.push(req.headers);
      const raw = Buffer.concat(chunks);
      const text = (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      const body = JSON.parse(text) as { resourceSpans: { resource: Record<string, unknown>; scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const rs of body.resourceSpans) {
        resources.push(rs.resource);
        for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    spans, resources, headers,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const attr = (span: OtlpSpan, key: string): unknown => {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  return value === undefined ? undefined : Object.values(value)[0];
};

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const UNSAMPLED_TRACE = '0af7651916cd43dd8448eb211c80319c';

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let upstream: TestUpstream;
let key: SigningKey;
let dir: string;
const lines: string[] = [];
const upstreamTraceparent = new Map<string, string | undefined>();
const upstreamTracestate = new Map<string, string | undefined>();

async function send(url: string, target: string, headers: Record<string, string>): Promise<number> {
  const res = await request(`${url}${target}`, { headers });
  await res.body.text();
  return res.statusCode;
}

async function startTraced(extra: string): Promise<Gateway> {
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    extra,
    'identity:',
    `  issuers: [{ issuer: "${ISSUER}", audience: items, jwks: "file:jwks.json", algorithms: [ES256] }]`,
    'apis:',
    '  - name: items',
    '    spec: items.yaml',
    `    upstream: { url: "${upstream.url}" }`,
  ].join('\n');
  const file = path.join(dir, 'gatehouse.yaml');
  writeFileSync(file, yaml);
  const logger = createLogger({ destination: { write: (line: string) => { lines.push(line); } } });
  return Gateway.start(await parseConfig(yaml, file), { logger, drainMs: 200 });
}

beforeAll(async () => {
  receiver = await startReceiver();
  upstream = await startUpstream((req, res) => {
    const tag = String(req.headers['x-tag']);
    upstreamTraceparent.set(tag, req.headers.traceparent as string | undefined);
    upstreamTracestate.set(tag, req.headers.tracestate as string | undefined);
    json(res, 200, { id: 1 });
  });
  dir = await scratchDir('gh-tracing-');
  key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(key)));
  await writeFiles(dir, { 'items.yaml': SPEC });

  const gw = await startTraced(`tracing: { endpoint: "${receiver.url}", serviceName: gatehouse-test, headers: { x-collector-key: k-123 } }`);
  const token = await mintToken(key, { issuer: ISSUER, audience: 'items', subject: 'carol', ttlSeconds: 60 });
  const auth = { authorization: `Bearer ${token}` };
  expect(await send(gw.httpUrl, '/items/1', { ...auth, 'x-tag': 'continued', traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`, tracestate: 'vendor=abc', 'user-agent': 'tracing-test/continued' })).toBe(200);
  expect(await send(gw.httpUrl, '/items/2', { ...auth, 'x-tag': 'fresh', 'user-agent': 'tracing-test/fresh' })).toBe(200);
  expect(await send(gw.httpUrl, '/items/3', { ...auth, 'x-tag': 'unsampled', traceparent: `00-${UNSAMPLED_TRACE}-${CLIENT_SPAN}-00` })).toBe(200);
  expect(await send(gw.httpUrl, '/items/4', { 'x-tag': 'refused', 'user-agent': 'tracing-test/refused' })).toBe(401);
  expect(await send(gw.httpUrl, '/items/5', { ...auth, 'x-tag': 'garbled', traceparent: '00-zzzz-not-a-traceparent-01' })).toBe(200);
  // Closing flushes the batch: every span of the requests above has been received when it returns.
  await gw.close();
});

afterAll(async () => {
  await receiver?.close();
  await upstream?.close();
});

function spansOf(traceId: string): OtlpSpan[] {
  return receiver.spans.filter((s) => s.traceId === traceId);
}

describe('OpenTelemetry tracing', () => {
  it('continues the caller\'s trace: a server span under its span, with authentication, contract and upstream children', () => {
    const spans = spansOf(CLIENT_TRACE);
    const root = spans.find((s) => s.parentSpanId === CLIENT_SPAN);
    expect(root).toBeDefined();
    const server = root as OtlpSpan;
    expect(server.name).toBe('GET /items/{id}');
    expect(server.kind).toBe(2); // SERVER
    expect(attr(server, 'http.route')).toBe('/items/{id}');
    expect(attr(server, 'http.response.status_code')).toBe(200);
    expect(attr(server, 'user_agent.original')).toBe('tracing-test/continued');
    expect(attr(server, 'gatehouse.operation')).toBe('getItem');
    const children = spans.filter((s) => s.parentSpanId === server.spanId).map((s) => s.name).sort();
    expect(children).toEqual(['authentication', 'contract', 'upstream']);
  });

  it('sends the upstream one traceparent, naming the upstream span rather than the caller\'s, and the trace\'s tracestate', () => {
    const sent = upstreamTraceparent.get('continued') as string;
    const [version, traceId, parent, flags] = sent.split('-');
    expect(version).toBe('00');
    expect(traceId).toBe(CLIENT_TRACE);
    expect(flags).toBe('01');
    const upstreamSpan = spansOf(CLIENT_TRACE).find((s) => s.name === 'upstream') as OtlpSpan;
    expect(parent).toBe(upstreamSpan.spanId);
    expect(parent).not.toBe(CLIENT_SPAN);
    expect(upstreamSpan.kind).toBe(3); // CLIENT
    expect(attr(upstreamSpan, 'http.response.status_code')).toBe(200);
    // W3C Trace Context: a participant continuing a trace carries its tracestate on.
    expect(upstreamTracestate.get('continued')).toBe('vendor=abc');
  });

  it('starts a new trace for a caller without traceparent, or with one that does not parse', () => {
    for (const tag of ['fresh', 'garbled']) {
      const sent = upstreamTraceparent.get(tag) as string;
      expect(sent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const traceId = sent.split('-')[1] as string;
      const root = spansOf(traceId).find((s) => s.kind === 2) as OtlpSpan;
      expect(root.parentSpanId ?? '').toBe('');
      expect(spansOf(traceId).map((s) => s.name).sort()).toEqual(['GET /items/{id}', 'authentication', 'contract', 'upstream']);
    }
  });

  it('records the refusal on the request and authentication spans, with no upstream span', () => {
    const root = receiver.spans.find((s) => s.kind === 2 && attr(s, 'user_agent.original') === 'tracing-test/refused') as OtlpSpan;
    expect(attr(root, 'http.response.status_code')).toBe(401);
    expect(attr(root, 'gatehouse.refusal')).toBe('GH_AUTHN_REQUIRED');
    expect(attr(root, 'gatehouse.policy')).toBe('authenticate');
    const children = spansOf(root.traceId).filter((s) => s.parentSpanId === root.spanId);
    expect(children.map((s) => s.name)).toEqual(['authentication']);
    expect(attr(children[0] as OtlpSpan, 'gatehouse.refusal')).toBe('GH_AUTHN_REQUIRED');
    expect(upstreamTraceparent.has('refused')).toBe(false);
  });

  it('follows an unsampled caller: nothing exported, the decision passed on to the upstream', () => {
    expect(spansOf(UNSAMPLED_TRACE)).toEqual([]);
    expect(upstreamTraceparent.get('unsampled')).toMatch(new RegExp(`^00-${UNSAMPLED_TRACE}-[0-9a-f]{16}-00$`));
  });

  it('exports with the configured service name and headers, and puts the trace id in the access log', () => {
    expect(JSON.stringify(receiver.resources)).toContain('"gatehouse-test"');
    expect(receiver.headers.every((h) => h['x-collector-key'] === 'k-123')).toBe(true);
    const line = JSON.parse(lines.find((l) => l.includes('tracing-test/continued')) as string) as Record<string, unknown>;
    expect(line.traceId).toBe(CLIENT_TRACE);
  });

  it('passes a caller\'s traceparent through untouched, and exports nothing, when tracing is off', async () => {
    const exported = receiver.spans.length;
    const gw = await startTraced('');
    try {
      const token = await mintToken(key, { issuer: ISSUER, audience: 'items', subject: 'carol', ttlSeconds: 60 });
      const sent = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;
      expect(await send(gw.httpUrl, '/items/6', { authorization: `Bearer ${token}`, 'x-tag': 'off', traceparent: sent })).toBe(200);
      expect(upstreamTraceparent.get('off')).toBe(sent);
    } finally {
      await gw.close();
    }
    expect(receiver.spans.length).toBe(exported);
  });
});

describe('tracing off', () => {
  /** A gateway process from `yaml` (beside the test's spec and key set): its answer and the OpenTelemetry modules it loaded. */
  async function modulesLoaded(name: string, yaml: string): Promise<{ status: number; loaded: number }> {
    const file = path.join(dir, name);
    writeFileSync(file, yaml);
    const register = fileURLToPath(new URL('../helpers/ts-register.mjs', import.meta.url));
    const script = fileURLToPath(new URL('./fixtures/otel-modules.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', register, script, file], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split('\n').pop() as string) as { status: number; loaded: number };
  }
  const yaml = (extra: string): string => [
    'version: "1"', 'listen: { http: { host: 127.0.0.1, port: 0 } }', 'admin: { enabled: false }', 'store: { memory: {} }', extra,
    'apis:', '  - name: items', '    spec: items.yaml', `    upstream: { url: "${upstream.url}" }`, '    policies: { authentication: { mode: off } }',
  ].join('\n');

  it('loads none of the OpenTelemetry SDK, where tracing on loads it', async () => {
    const off = await modulesLoaded('off.yaml', yaml(''));
    expect(off).toEqual({ status: 200, loaded: 0 });
    const on = await modulesLoaded('on.yaml', yaml(`tracing: { endpoint: "${receiver.url}" }`));
    expect(on.status).toBe(200);
    expect(on.loaded).toBeGreaterThan(10);
  }, 120_000);
});

describe('a collector that refuses the export', () => {
  it('is reported in the gateway log with the spans lost, and requests are served all the same', async () => {
    const before = lines.length;
    const gw = await startTraced(`tracing: { endpoint: "${receiver.url.replace('/v1/traces', '/wrong/path')}" }`);
    const token = await mintToken(key, { issuer: ISSUER, audience: 'items', subject: 'carol', ttlSeconds: 60 });
    expect(await send(gw.httpUrl, '/items/7', { authorization: `Bearer ${token}`, 'x-tag': 'lost' })).toBe(200);
    await gw.close();
    const warning = lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'tracing: spans could not be exported');
    expect(warning).toMatchObject({ level: 'warn', endpoint: expect.stringContaining('/wrong/path') as unknown });
    expect(warning?.spansLost).toBeGreaterThan(0);
  });
});

describe('check-config on tracing', () => {
  it('refuses an endpoint without the traces path, naming it', async () => {
    const file = path.join(dir, 'bad-tracing.yaml');
    writeFileSync(file, ['version: "1"', 'tracing:', '  endpoint: http://127.0.0.1:4318', 'apis:', '  - { name: items, spec: items.yaml, upstream: { url: "http://127.0.0.1:1" } }'].join('\n'));
    const result = await checkConfig(file, { minScore: 0 });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(/:3:\d+: tracing\.endpoint: "http:\/\/127\.0\.0\.1:4318" has no path: OTLP\/HTTP takes traces at \/v1\/traces/);
  });
});
