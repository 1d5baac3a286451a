import { readFileSync } from 'node:fs';
import { connect, constants, type ClientHttp2Session } from 'node:http2';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { h2Send, RawH2 } from '../helpers/h2.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * HTTP/2 floods and parser differentials, each sent for real: node:http2 clients for the floods it
 * can make (rapid reset, PING, SETTINGS), raw frames for the requests node:http2 refuses to send.
 */

const PETS = fileURLToPath(new URL('../gateway/fixtures/pets-3.1.yaml', import.meta.url));

let upstream: TestUpstream;
let gw: StartedGateway;
let ca: Buffer;
let port: number;
/** Requests the upstream is holding (the concurrent-streams test), and the most held at once. */
let held: (() => void)[] = [];
let peak = 0;

beforeAll(async () => {
  const dir = await scratchDir('gh-h2-abuse-');
  const authority = makeCa(dir, 'ca');
  makeLeaf(dir, 'gw', authority);
  ca = readFileSync(authority.cert);
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith('/v1/pets/9')) {
      held.push(() => json(res, 200, { id: 9, name: 'slow' }));
      peak = Math.max(peak, held.length);
      return;
    }
    json(res, 200, [{ id: 1, name: 'a' }]);
  });
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { https: { host: 127.0.0.1, port: 0, cert: gw.crt, key: gw.key } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'limits:',
    '  maxHeaderBytes: 8kb',
    '  requestTimeout: 500ms',
    '  http2: { maxConcurrentStreams: 20, maxResetsBurst: 50, maxResetsPerSecond: 10, maxPingsPerSecond: 5, maxSettingsPerSecond: 5 }',
    'apis:',
    '  - name: pets',
    `    spec: ${PETS}`,
    `    upstream: { url: "${upstream.url}", timeout: 5s, connections: 200 }`,
  ].join('\n'));
  port = gw.gateway.addresses.https?.port ?? 0;
});
afterAll(async () => {
  for (const release of held) release();
  await gw.close();
  await upstream.close();
});
beforeEach(() => { upstream.requests.length = 0; });

function session(options: Parameters<typeof connect>[1] = {}): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = connect(`https://localhost:${port}`, { ca, ...options });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolves with the GOAWAY error code the server sent, or -1 if the session closed without one. */
function goaway(s: ClientHttp2Session): Promise<number> {
  return new Promise((resolve) => {
    s.on('error', () => undefined);
    s.once('goaway', (code: number) => resolve(code));
    s.once('close', () => resolve(-1));
  });
}

async function legitimate(): Promise<number> {
  const s = await session();
  const answer = await h2Send(s, { path: '/v1/pets?limit=1' });
  s.close();
  return answer.status;
}

async function metric(name: string, label: string): Promise<number> {
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${label}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('HTTP/2 floods', () => {
  it('cuts a rapid-reset connection (CVE-2023-44487) after its reset budget, with GOAWAY ENHANCE_YOUR_CALM', async () => {
    const before = await metric('gatehouse_http2_goaway_total', 'reason="rapid_reset"');
    // Raw frames: node:http2 holds back streams past the server's concurrency limit, an attacker does not.
    const raw = await RawH2.open(port, { ca });
    for (let id = 1; id < 4000 && !raw.socket.destroyed; id += 2) {
      raw.headers(id, [[':method', 'GET'], [':scheme', 'https'], [':path', '/v1/pets?limit=1'], [':authority', `localhost:${port}`]]);
      raw.frame(0x3, 0, id, Buffer.from([0, 0, 0, constants.NGHTTP2_CANCEL]));
      if (id % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    const away = await raw.until((f) => f.type === 0x7);
    expect(away?.payload.readUInt32BE(4)).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    raw.close();
    // Counted work: 2000 streams opened and cancelled cost the upstream no more than the budget
    // (50) and the streams already read when it ran out.
    expect(upstream.requests.length).toBeLessThan(200);
    expect(await metric('gatehouse_http2_goaway_total', 'reason="rapid_reset"')).toBe(before + 1);
    expect(await legitimate()).toBe(200);
  });

  it('closes a PING flood with ENHANCE_YOUR_CALM and answers a few pings', async () => {
    const calm = await session();
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve, reject) => calm.ping((error) => (error === null ? resolve() : reject(error))));
    expect((await h2Send(calm, { path: '/v1/pets?limit=1' })).status).toBe(200);
    calm.close();
    const attacker = await session({ maxOutstandingPings: 10_000 });
    const closed = goaway(attacker);
    for (let i = 0; i < 500 && !attacker.destroyed; i++) attacker.ping(() => undefined);
    expect(await closed).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    attacker.destroy();
    expect(await metric('gatehouse_http2_goaway_total', 'reason="ping_flood"')).toBeGreaterThanOrEqual(1);
  });

  it('closes a SETTINGS flood with ENHANCE_YOUR_CALM', async () => {
    // Node's own client allows 10 unacknowledged SETTINGS unless told otherwise (the option is untyped).
    const attacker = await session({ maxOutstandingSettings: 10_000 } as Parameters<typeof connect>[1]);
    const closed = goaway(attacker);
    for (let i = 0; i < 500 && !attacker.destroyed; i++) attacker.settings({ initialWindowSize: 65_535 + (i % 2) });
    expect(await closed).toBe(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    attacker.destroy();
    expect(await metric('gatehouse_http2_goaway_total', 'reason="settings_flood"')).toBeGreaterThanOrEqual(1);
    expect(await legitimate()).toBe(200);
  });

  it('refuses streams past maxConcurrentStreams with REFUSED_STREAM: a client that ignores the setting gets no more upstream work', async () => {
    held = [];
    peak = 0;
    const raw = await RawH2.open(port, { ca });
    for (let id = 1; id <= 79; id += 2) {
      raw.headers(id, [[':method', 'GET'], [':scheme', 'https'], [':path', '/v1/pets/9'], [':authority', `localhost:${port}`]]);
    }
    await raw.until(() => raw.frames.filter((f) => f.type === 0x3).length >= 20);
    const refused = raw.frames.filter((f) => f.type === 0x3 && f.payload.readUInt32BE(0) === constants.NGHTTP2_REFUSED_STREAM);
    expect(refused.length).toBe(20);
    await new Promise((r) => setTimeout(r, 100));
    expect(peak).toBeLessThanOrEqual(20);
    raw.close();
    for (const release of held.splice(0)) release();
  });

  it('refuses a header list over the byte limit and forwards one under it', async () => {
    const s = await session();
    const big = await h2Send(s, { path: '/v1/pets?limit=1', headers: { 'x-big': 'a'.repeat(9000) } });
    expect(big.status).toBe(431);
    expect(upstream.requests.filter((r) => r.headers['x-big'] !== undefined)).toHaveLength(0);
    s.destroy();
    const fine = await session();
    expect((await h2Send(fine, { path: '/v1/pets?limit=1', headers: { 'x-big': 'a'.repeat(4000) } })).status).toBe(200);
    fine.close();
  });
});

describe('slow requests over HTTP/2', () => {
  it('cuts a stream whose body trickles past requestTimeout, and forwards nothing of it', async () => {
    const raw = await RawH2.open(port, { ca });
    raw.headers(1, [[':method', 'POST'], [':scheme', 'https'], [':path', '/v1/pets'], [':authority', `localhost:${port}`], ['content-type', 'application/json']], false);
    raw.data(1, '{"name":', false);
    const reset = await raw.until((f) => f.stream === 1 && f.type === 0x3, 5000);
    expect(reset?.payload.readUInt32BE(0)).toBe(constants.NGHTTP2_CANCEL);
    raw.close();
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});

describe('one request, one meaning over HTTP/2', () => {
  const base = (): [string, string][] => [[':method', 'GET'], [':scheme', 'https'], [':path', '/v1/pets?limit=1'], [':authority', `localhost:${port}`]];

  /** Sends one raw request on stream 1; true when the server answered it with HEADERS (not a reset). */
  async function rawRequest(fields: [string, string][], body?: string): Promise<'answered' | 'reset' | 'closed'> {
    const raw = await RawH2.open(port, { ca });
    raw.headers(1, fields, body === undefined);
    if (body !== undefined) raw.data(1, body);
    const frame = await raw.until((f) => f.stream === 1 && (f.type === 0x1 || f.type === 0x3));
    raw.close();
    return frame === undefined ? 'closed' : frame.type === 0x1 ? 'answered' : 'reset';
  }

  it('forwards a plain raw request (the twin of the refusals below)', async () => {
    expect(await rawRequest(base())).toBe('answered');
    expect(upstream.requests).toHaveLength(1);
  });

  it.each([
    ['connection', 'keep-alive'],
    ['transfer-encoding', 'chunked'],
    ['keep-alive', 'timeout=5'],
    ['upgrade', 'websocket'],
    ['te', 'gzip'],
  ])('never forwards a request with the connection-specific field %s', async (name, value) => {
    await rawRequest([...base(), [name, value]]);
    expect(upstream.requests).toHaveLength(0);
  });

  it('never forwards a body framed by two Content-Length fields', async () => {
    const fields: [string, string][] = [[':method', 'POST'], [':scheme', 'https'], [':path', '/v1/pets'], [':authority', `localhost:${port}`], ['content-type', 'application/json'], ['content-length', '14'], ['content-length', '14']];
    await rawRequest(fields, '{"name":"Rex"}');
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses a Host naming another host than :authority, and forwards a matching one', async () => {
    await rawRequest([...base(), ['host', 'evil.example']]);
    expect(upstream.requests).toHaveLength(0);
    expect(await rawRequest([...base(), ['host', `localhost:${port}`]])).toBe('answered');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.headers['x-forwarded-host']).toBe(`localhost:${port}`);
  });

  it('reads a body sent without Content-Length in full and validates what it forwards', async () => {
    const s = await session();
    const refused = await h2Send(s, { method: 'POST', path: '/v1/pets', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex","role":"admin"}' });
    expect(refused.status).toBe(400);
    const created = await h2Send(s, { method: 'POST', path: '/v1/pets', headers: { 'content-type': 'application/json' }, body: '{"name":"Rex"}' });
    expect(created.status).toBe(200);
    expect(upstream.requests.map((r) => r.body)).toEqual(['{"name":"Rex"}']);
    expect(upstream.requests[0]?.headers['content-length']).toBe('14');
    s.close();
  });
});
