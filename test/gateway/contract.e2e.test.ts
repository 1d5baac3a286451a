import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

const spec = fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url));

let upstream: TestUpstream;
let gw: StartedGateway;

beforeAll(async () => {
  upstream = await startUpstream();
  gw = await startGateway(await scratchDir(), configYaml({ spec, upstream: upstream.url }));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.handle((req, res) => {
    if (req.url.startsWith('/v1/pets/7')) {
      return json(res, 200, { id: 7, name: 'Rex', passwordHash: 'x$2b$secret', owner: { name: 'Ann', ssn: '123-45-6789', address: { city: 'Oslo', geo: 'x' } } }, { server: 'nginx/1.2', 'x-powered-by': 'PHP/5' });
    }
    if (req.method === 'POST') return json(res, 201, { id: 1, name: 'Rex' });
    return json(res, 200, [{ id: 1, name: 'a', internal: true }]);
  });
});

async function problem(res: Response): Promise<{ code: string; status: number; requestId: string; errors?: { in: string; name?: string }[] }> {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return await res.json() as { code: string; status: number; requestId: string };
}

describe('a valid request', () => {
  it('is forwarded with X-Forwarded-* set and hop-by-hop headers removed', async () => {
    const res = await rawGet('/v1/pets?limit=5', { 'x-forwarded-for': '6.6.6.6', 'proxy-authorization': 'Basic abc', connection: 'keep-alive, x-drop-me', 'x-drop-me': '1', 'x-keep': 'yes' });
    expect(res.status).toBe(200);
    const seen = upstream.requests[0];
    expect(seen?.url).toBe('/v1/pets?limit=5');
    expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen?.headers['x-forwarded-proto']).toBe('http');
    expect(seen?.headers['x-request-id']).toBe(res.headers['x-request-id']);
    expect(seen?.headers['proxy-authorization']).toBeUndefined();
    expect(seen?.headers['x-drop-me']).toBeUndefined();
    expect(seen?.headers['x-keep']).toBe('yes');
  });

  it('meets Expect: 100-continue itself and forwards the request without it (found by npm run campaign: a 502)', async () => {
    const got = await rawGet('/v1/pets?limit=5', { expect: '100-continue' });
    expect(got.status).toBe(200);
    expect(upstream.requests[0]?.headers.expect).toBeUndefined();
    const created = await new Promise<number>((resolve, reject) => {
      const url = new URL(gw.url);
      const body = JSON.stringify({ name: 'Rex' });
      const req = request({ host: url.hostname, port: url.port, path: '/v1/pets', method: 'POST', agent: false, headers: { expect: '100-continue', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(created).toBe(201);
    expect(upstream.requests[1]?.headers.expect).toBeUndefined();
    expect(upstream.requests[1]?.body).toBe('{"name":"Rex"}');
  });

  it('has undeclared response fields stripped, nested ones too, and no server banner', async () => {
    const res = await fetch(`${gw.url}/v1/pets/7`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 7, name: 'Rex', owner: { name: 'Ann', address: { city: 'Oslo' } } });
    expect(res.headers.get('server')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('asks for an uncompressed body it can filter, whatever encodings the client accepts', async () => {
    // An upstream that compresses whenever the request allows it, as compression middleware does.
    upstream.handle((req, res) => {
      const accepted = String(req.headers['accept-encoding'] ?? '');
      const body = Buffer.from(JSON.stringify({ id: 7, name: 'Rex', passwordHash: 'x' }));
      if (accepted.includes('gzip')) {
        const packed = gzipSync(body);
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': packed.length });
        res.end(packed);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    const res = await rawGet('/v1/pets/7', { 'accept-encoding': 'gzip, deflate, br' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ id: 7, name: 'Rex' });
    expect(upstream.requests[0]?.headers['accept-encoding']).toBe('identity');
  });

  it('accepts a declared form body', async () => {
    const res = await fetch(`${gw.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=Rex&tag=dog' });
    expect(res.status).toBe(201);
  });

  it('streams a binary body through', async () => {
    upstream.handle((_req, res) => { res.writeHead(204); res.end(); });
    const res = await fetch(`${gw.url}/v1/pets/3/photo`, { method: 'PUT', headers: { 'content-type': 'image/png' }, body: Buffer.alloc(2048, 1) });
    expect(res.status).toBe(204);
    expect(upstream.requests[0]?.body.length).toBe(2048);
  });
});

describe('an invalid request is refused before the upstream sees it', () => {
  const cases: [string, string, RequestInit, number, string][] = [
    ['a parameter of the wrong type', '/v1/pets?limit=abc', {}, 400, 'GH_CONTRACT_PARAMETER_INVALID'],
    ['a missing required parameter', '/v1/pets', {}, 400, 'GH_CONTRACT_PARAMETER_INVALID'],
    ['a parameter out of range', '/v1/pets?limit=500', {}, 400, 'GH_CONTRACT_PARAMETER_INVALID'],
    ['an undeclared query parameter', '/v1/pets?limit=5&debug=1', {}, 400, 'GH_CONTRACT_UNKNOWN_FIELD'],
    ['a bad path parameter', '/v1/pets/-3', {}, 400, 'GH_CONTRACT_PARAMETER_INVALID'],
    ['a header that breaks its pattern', '/v1/pets/3', { headers: { 'x-trace': 'NOT VALID' } }, 400, 'GH_CONTRACT_PARAMETER_INVALID'],
    ['a body with an undeclared field (mass assignment)', '/v1/pets', post({ name: 'Rex', isAdmin: true }), 400, 'GH_CONTRACT_UNKNOWN_FIELD'],
    ['a body with an undeclared nested field', '/v1/pets', post({ name: 'Rex', owner: { name: 'a', role: 'admin' } }), 400, 'GH_CONTRACT_UNKNOWN_FIELD'],
    ['a body missing a required field', '/v1/pets', post({ tag: 'x' }), 400, 'GH_CONTRACT_BODY_INVALID'],
    ['a body with a wrong type', '/v1/pets', post({ name: 5 }), 400, 'GH_CONTRACT_BODY_INVALID'],
    ['a body that is not JSON', '/v1/pets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name": "Rex",' }, 400, 'GH_CONTRACT_BODY_INVALID'],
    ['a body nested too deep', '/v1/pets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a","owner":' + '{"a":'.repeat(40) + '1' + '}'.repeat(41) }, 400, 'GH_CONTRACT_BODY_TOO_DEEP'],
    ['a body that is too large', '/v1/pets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a'.repeat(2 * 1024 * 1024) }) }, 413, 'GH_REQUEST_BODY_TOO_LARGE'],
    ['a __proto__ key (prototype pollution)', '/v1/pets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"a","__proto__":{"isAdmin":true}}' }, 400, 'GH_CONTRACT_PROTOTYPE_POLLUTION'],
    ['a constructor.prototype key', '/v1/pets', post({ name: 'a', owner: { constructor: { prototype: { polluted: 1 } } } }), 400, 'GH_CONTRACT_PROTOTYPE_POLLUTION'],
    ['a wrong content type', '/v1/pets', { method: 'POST', headers: { 'content-type': 'text/xml' }, body: '<pet/>' }, 415, 'GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE'],
    ['a missing required body', '/v1/pets', { method: 'POST' }, 400, 'GH_CONTRACT_BODY_REQUIRED'],
    ['a body on an operation that takes none', '/v1/pets/3', { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: '{}' }, 400, 'GH_CONTRACT_BODY_INVALID'],
    ['an undeclared path', '/v1/admin/users', {}, 404, 'GH_ROUTE_NOT_FOUND'],
    ['a path outside every base path', '/pets?limit=1', {}, 404, 'GH_ROUTE_NOT_FOUND'],
    ['malformed percent-encoding in the query', '/v1/pets?limit=%zz', {}, 400, 'GH_REQUEST_ENCODING_MALFORMED'],
    ['a __proto__ query parameter', '/v1/pets?limit=5&__proto__=x', {}, 400, 'GH_CONTRACT_UNKNOWN_FIELD'],
    ['a constructor query parameter', '/v1/pets?limit=5&constructor=x', {}, 400, 'GH_CONTRACT_UNKNOWN_FIELD'],
    ['a toString query parameter', '/v1/pets?toString=1&limit=5', {}, 400, 'GH_CONTRACT_UNKNOWN_FIELD'],
  ];
  for (const [what, path, init, status, code] of cases) {
    it(`refuses ${what} with ${status} ${code}`, async () => {
      const res = await fetch(gw.url + path, init);
      expect(res.status).toBe(status);
      const body = await problem(res);
      expect(body.code).toBe(code);
      expect(body.requestId).toBe(res.headers.get('x-request-id'));
      expect(upstream.requests).toHaveLength(0);
    });
  }

  for (const path of ['/v1/pets/%2e%2e/admin', '/v1/pets/../admin', '/v1/pets/%252e%252e/x', '/v1/pets/1%5c..%5cadmin', '/v1/pets/%00']) {
    it(`refuses the traversal ${path} before routing`, async () => {
      const res = await rawGet(path, {});
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'GH_REQUEST_MALFORMED' });
      expect(upstream.requests).toHaveLength(0);
    });
  }

  it('routes a percent-encoded twin of a path as the path itself', async () => {
    const res = await rawGet('/v1/pet%73/%37', {});
    expect(res.status).toBe(200);
    expect(upstream.requests[0]?.url).toBe('/v1/pets/7');
  });

  it('answers HEAD on a GET operation', async () => {
    const res = await fetch(`${gw.url}/v1/pets/7`, { method: 'HEAD' });
    expect(res.status).toBe(200);
  });

  it('answers an undeclared method with 405 and Allow', async () => {
    const res = await fetch(`${gw.url}/v1/pets/3`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
    expect(res.headers.get('allow')).toContain('DELETE');
    expect(upstream.requests).toHaveLength(0);
  });

  it('names the failing parameter without echoing its value', async () => {
    const res = await fetch(`${gw.url}/v1/pets?limit=<script>alert(1)</script>`);
    const body = await problem(res);
    expect(body.errors?.[0]).toMatchObject({ in: 'query', name: 'limit' });
    expect(JSON.stringify(body)).not.toContain('script');
  });
});

describe('upstream failures', () => {
  it('withholds an undeclared 5xx body (it may be a stack trace) and keeps the status', async () => {
    upstream.handle((_req, res) => json(res, 500, { error: 'TypeError', stack: 'at /srv/app/db.js:42' }));
    const res = await fetch(`${gw.url}/v1/pets/3`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('stack');
    expect(text).not.toContain('db.js');
    expect(JSON.parse(text)).toMatchObject({ code: 'GH_UPSTREAM_ERROR' });
  });
});

/** A GET sent byte for byte as written: fetch would normalise dot-segments and drop Connection. */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gw.url);
    const req = request({ host: url.hostname, port: url.port, path, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
