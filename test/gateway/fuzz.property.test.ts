import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

const spec = fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url));
let upstream: TestUpstream;
let gw: StartedGateway;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => json(res, req.method === 'POST' ? 201 : 200, req.method === 'GET' && req.url.includes('pets/') ? { id: 1, name: 'x' } : [{ id: 1, name: 'x' }]));
  gw = await startGateway(await scratchDir(), configYaml({ spec, upstream: upstream.url }));
  port = Number(new URL(gw.url).port);
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

/** Sends raw bytes and resolves with the status line's code (0 when the connection just closed). */
function raw(bytes: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (d) => { answer += d.toString('latin1'); });
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', () => { /* reset by the server is an acceptable answer to garbage */ });
    socket.end(bytes);
  });
}

async function stillServing(): Promise<void> {
  const res = await fetch(`${gw.url}/v1/pets/1`);
  expect(res.status).toBe(200);
}

describe('the gateway under random input', () => {
  it('survives random bytes on the socket and never answers 5xx', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
      const status = await raw(Buffer.from(bytes));
      expect(status < 500).toBe(true);
    }), { numRuns: 60 });
    await stillServing();
  });

  it('never answers 5xx to random request lines, paths and headers', async () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
    const pathChars = fc.string({ unit: fc.constantFrom(...'/ab1%2e.?=&#[]{}\\:@!$\'()*+,;~-_'.split('')), maxLength: 40 });
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'FOO'),
      pathChars,
      fc.array(fc.tuple(token, fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 })), { maxLength: 8 }),
      async (method, tail, headers) => {
        const head = [`${method} /v1/pets${tail} HTTP/1.1`, 'Host: x', ...headers.map(([k, v]) => `${k}: ${v}`), 'Connection: close', '', ''].join('\r\n');
        const status = await raw(Buffer.from(head, 'latin1'));
        expect(status < 500).toBe(true);
      },
    ), { numRuns: 120 });
    await stillServing();
  });

  it('never answers 5xx to random JSON bodies', async () => {
    await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
      const res = await fetch(`${gw.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });
      await res.arrayBuffer();
      expect(res.status < 500).toBe(true);
      if (res.status === 201) expect(value).toMatchObject({ name: expect.any(String) as unknown });
    }), { numRuns: 150 });
    await stillServing();
  });

  it('never answers 5xx to random query strings and form bodies', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ maxLength: 80 }), fc.string({ maxLength: 80 }), async (query, form) => {
      const q = await fetch(`${gw.url}/v1/pets?${encodeURIComponent(query).replaceAll('%3D', '=').replaceAll('%26', '&')}`);
      await q.arrayBuffer();
      expect(q.status < 500).toBe(true);
      const f = await fetch(`${gw.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      await f.arrayBuffer();
      expect(f.status < 500).toBe(true);
    }), { numRuns: 100 });
    await stillServing();
  });
});
