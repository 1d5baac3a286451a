import { describe, expect, it } from 'vitest';
import type { HttpMethod, Operation } from './types.js';
import { createRouter, type RouteEntry } from './router.js';

function op(method: HttpMethod, path: string): Operation {
  return {
    id: `${method} ${path}`, operationId: undefined, method, path, summary: undefined, tags: [], deprecated: false,
    parameters: [], requestBody: undefined, responses: {}, security: [], extensions: {}, pointer: '',
  };
}

function routes(list: [HttpMethod, string, string?][], basePath = ''): RouteEntry<string>[] {
  return list.map(([m, p, base]) => ({ basePath: base ?? basePath, operation: op(m, p), value: `${m} ${base ?? basePath}${p}` }));
}

describe('createRouter', () => {
  const router = createRouter(routes([
    ['GET', '/users'],
    ['GET', '/users/{id}'],
    ['DELETE', '/users/{id}'],
    ['GET', '/users/me'],
    ['GET', '/users/me/settings'],
    ['GET', '/users/{id}/posts/{postId}'],
    ['GET', '/files/{name}.json'],
    ['GET', '/files/{name}'],
    ['GET', '/reports/{year}-{month}'],
    ['GET', '/'],
  ]));

  it('matches static paths and captures templated segments', () => {
    expect(router.match('GET', '/users')).toEqual({ value: 'GET /users', params: {} });
    expect(router.match('GET', '/users/42/posts/7')).toEqual({ value: 'GET /users/{id}/posts/{postId}', params: { id: '42', postId: '7' } });
    expect(router.match('GET', '/')).toEqual({ value: 'GET /', params: {} });
  });

  it('prefers a static segment over a template, and backtracks when the static branch fails', () => {
    expect(router.match('GET', '/users/me')).toEqual({ value: 'GET /users/me', params: {} });
    expect(router.match('GET', '/users/mex')).toEqual({ value: 'GET /users/{id}', params: { id: 'mex' } });
    expect(router.match('GET', '/users/me/posts/1')).toEqual({ value: 'GET /users/{id}/posts/{postId}', params: { id: 'me', postId: '1' } });
    // DELETE exists only on the template: /users/me must reach it rather than answer 405.
    expect(router.match('DELETE', '/users/me')).toEqual({ value: 'DELETE /users/{id}', params: { id: 'me' } });
  });

  it('supports literal text around a parameter inside one segment', () => {
    expect(router.match('GET', '/files/report.json')).toEqual({ value: 'GET /files/{name}.json', params: { name: 'report' } });
    expect(router.match('GET', '/files/report.xml')).toEqual({ value: 'GET /files/{name}', params: { name: 'report.xml' } });
    expect(router.match('GET', '/files/.json')).toEqual({ value: 'GET /files/{name}', params: { name: '.json' } });
    expect(router.match('GET', '/reports/2024-05')).toEqual({ value: 'GET /reports/{year}-{month}', params: { year: '2024', month: '05' } });
  });

  it('percent-decodes parameters, keeping an encoded slash inside one segment', () => {
    expect(router.match('GET', '/users/a%2Fb')).toEqual({ value: 'GET /users/{id}', params: { id: 'a/b' } });
    expect(router.match('GET', '/users/caf%C3%A9')).toEqual({ value: 'GET /users/{id}', params: { id: 'café' } });
    expect(router.match('GET', '/users/%E0%A4%A')).toBeUndefined();
  });

  it('ignores a trailing slash and the query string', () => {
    expect(router.match('GET', '/users/')).toEqual({ value: 'GET /users', params: {} });
    expect(router.match('GET', '/users/7/?x=1')).toEqual({ value: 'GET /users/{id}', params: { id: '7' } });
  });

  it('answers method-not-allowed with the methods the path has', () => {
    expect(router.match('POST', '/users/7')).toEqual({ methodNotAllowed: true, allowed: ['GET', 'DELETE'] });
    expect(router.match('PUT', '/users/me')).toEqual({ methodNotAllowed: true, allowed: ['GET'] });
  });

  it('does not match unknown paths, empty parameters or extra segments', () => {
    expect(router.match('GET', '/nope')).toBeUndefined();
    expect(router.match('GET', '/users//posts/1')).toBeUndefined();
    expect(router.match('GET', '/users/1/posts/2/extra')).toBeUndefined();
    expect(router.match('GET', '/Users')).toBeUndefined();
  });

  it('routes several base paths and several APIs in one router', () => {
    const r = createRouter([
      ...routes([['GET', '/orders/{id}']], '/v1'),
      ...routes([['GET', '/orders/{id}']], '/v2/shop'),
      ...routes([['GET', '/orders/{id}']], ''),
      ...routes([['GET', '/health']], '/ops'),
    ]);
    expect(r.match('GET', '/v1/orders/1')).toEqual({ value: 'GET /v1/orders/{id}', params: { id: '1' } });
    expect(r.match('GET', '/v2/shop/orders/2')).toEqual({ value: 'GET /v2/shop/orders/{id}', params: { id: '2' } });
    expect(r.match('GET', '/orders/3')).toEqual({ value: 'GET /orders/{id}', params: { id: '3' } });
    expect(r.match('GET', '/ops/health')).toEqual({ value: 'GET /ops/health', params: {} });
    expect(r.match('GET', '/v3/orders/1')).toBeUndefined();
  });

  it('matches in time that does not grow with the number of routes', () => {
    const small = createRouter(routes([['GET', '/a/{x}/b']]));
    const big = createRouter(routes(Array.from({ length: 5000 }, (_, i) => ['GET', `/r${i}/{x}/b${i % 7}`] as [HttpMethod, string]).concat([['GET', '/a/{x}/b']])));
    const time = (r: typeof small): number => {
      for (let i = 0; i < 20_000; i++) r.match('GET', '/a/1/b');
      const t = process.hrtime.bigint();
      for (let i = 0; i < 100_000; i++) r.match('GET', '/a/1/b');
      return Number(process.hrtime.bigint() - t);
    };
    time(small);
    time(big);
    const ratio = Math.min(time(big), time(big)) / Math.max(time(small), 1);
    expect(big.match('GET', '/r4999/z/b1')).toEqual({ value: 'GET /r4999/{x}/b1', params: { x: 'z' } });
    expect(ratio).toBeLessThan(3);
  });
});
