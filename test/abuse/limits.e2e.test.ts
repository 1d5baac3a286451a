import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import { json, type TestUpstream } from '../helpers/upstream.js';
import { abuseGateway, okUpstream } from './helpers.js';
import { sendRaw } from './raw.js';

let upstream: TestUpstream;
let gw: StartedGateway;

const LIMITS = [
  'limits:',
  '  maxUrlLength: 100',
  '  maxHeaderCount: 12',
  '  maxHeaderBytes: 2kb',
  '  maxBodyBytes: 64b',
  '  maxBodyBytesByType: { application/json: 200b }',
  '  maxJsonDepth: 2',
  '  headersTimeout: 400ms',
  '  requestTimeout: 2s',
  '  maxConnections: 3',
].join('\n');

beforeAll(async () => {
  upstream = await okUpstream();
  gw = await abuseGateway(upstream, undefined, LIMITS, undefined, 'maxResponseBytes: 4kb');
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.handle((req, res) => json(res, req.method === 'POST' ? 201 : 200, {}));
});

async function code(res: Response): Promise<string> {
  return (await res.json() as { code: string }).code;
}

describe('size limits', () => {
  it('refuses a URL over the limit with 414 and passes one under it', async () => {
    const long = await fetch(`${gw.url}/v1/items?q=${'a'.repeat(100)}`);
    expect(long.status).toBe(414);
    expect((await fetch(`${gw.url}/v1/items?q=${'a'.repeat(50)}`)).status).toBe(200);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses more header fields than allowed with 431', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 12; i++) many[`x-h${i}`] = '1';
    const res = await fetch(`${gw.url}/v1/items`, { headers: many });
    expect(res.status).toBe(431);
    expect(await code(res)).toBe('GH_REQUEST_HEADERS_TOO_LARGE');
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-h1': '1' } })).status).toBe(200);
  });

  it('refuses a header section over the byte limit with 431 problem+json from the parser', async () => {
    const answer = await sendRaw(gw.url, `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: ${'a'.repeat(3000)}\r\n\r\n`);
    expect(answer.status).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'GH_REQUEST_HEADERS_TOO_LARGE' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('applies the body limit of the content type, declared or chunked', async () => {
    const big = JSON.stringify({ title: 'x'.repeat(250) });
    const fits = JSON.stringify({ title: 'x'.repeat(150) });
    const refused = await fetch(`${gw.url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(refused.status).toBe(413);
    expect(await code(refused)).toBe('GH_REQUEST_BODY_TOO_LARGE');
    // Over the 64-byte default but within the JSON allowance.
    expect((await fetch(`${gw.url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fits })).status).toBe(201);
    const chunked = await sendRaw(gw.url, `POST /v1/items HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`);
    expect(chunked.status).toBe(413);
    expect(upstream.requests).toHaveLength(1);
  });

  it('refuses JSON nested deeper than allowed', async () => {
    const deep = await fetch(`${gw.url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"meta":{"tags":["a"]}}' });
    expect(deep.status).toBe(400);
    expect(await code(deep)).toBe('GH_CONTRACT_BODY_TOO_DEEP');
    expect((await fetch(`${gw.url}/v1/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"meta":{}}' })).status).toBe(201);
  });

  it('caps the upstream response size', async () => {
    upstream.handle((_req, res) => json(res, 200, { filler: 'x'.repeat(4096) }));
    const res = await fetch(`${gw.url}/v1/items`);
    expect(res.status).toBe(502);
    expect(await code(res)).toBe('GH_UPSTREAM_RESPONSE_TOO_LARGE');
  });

  it('caps a streamed (unfiltered) response with a declared length before sending headers', async () => {
    upstream.handle((_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 8192 }); res.end(Buffer.alloc(8192)); });
    const res = await fetch(`${gw.url}/v1/items`);
    expect(res.status).toBe(502);
    expect(await code(res)).toBe('GH_UPSTREAM_RESPONSE_TOO_LARGE');
  });

  it('cuts a streamed chunked response that crosses the cap, and passes one under it', async () => {
    upstream.handle((_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.write(Buffer.alloc(3000)); res.end(Buffer.alloc(3000)); });
    // Headers may or may not have left before the cut: either way the client sees a failure.
    await expect(fetch(`${gw.url}/v1/items`).then((r) => r.arrayBuffer())).rejects.toThrow();
    upstream.handle((_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.write(Buffer.alloc(1000)); res.end(Buffer.alloc(1000)); });
    const ok = await fetch(`${gw.url}/v1/items`);
    expect((await ok.arrayBuffer()).byteLength).toBe(2000);
  });
});

describe('timeouts and connections', () => {
  it('cuts a slowloris client that never finishes its headers', async () => {
    const { hostname, port } = new URL(gw.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(port), hostname);
      let text = '';
      socket.write('GET /v1/items HTTP/1.1\r\nHost: gw\r\n');
      // One header line every 100 ms: each arrives well within any idle timeout.
      const drip = setInterval(() => socket.write('X-Drip: 1\r\n'), 100);
      socket.on('data', (c: Buffer) => { text += c.toString(); });
      socket.on('close', () => { clearInterval(drip); resolve(text); });
      socket.on('error', () => undefined);
      // Only the gateway's cut answers 408; this fallback ends the test with no answer at all.
      setTimeout(() => socket.destroy(), 10_000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(upstream.requests).toHaveLength(0);
  });

  it('accepts no more connections than maxConnections', async () => {
    const { hostname, port } = new URL(gw.url);
    const open = await Promise.all([0, 1, 2].map(() => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect(Number(port), hostname, () => resolve(s));
      s.on('error', () => undefined);
    })));
    // Give the server a moment to count them, then the fourth is closed without an answer.
    await new Promise((r) => setTimeout(r, 50));
    const fourth = await sendRaw(gw.url, 'GET /v1/items HTTP/1.1\r\nHost: gw\r\n\r\n', 1000);
    expect(fourth.status).toBe(0);
    for (const s of open) s.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await sendRaw(gw.url, 'GET /v1/items HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n')).status).toBe(200);
  });
});
