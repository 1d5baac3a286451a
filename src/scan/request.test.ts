import { describe, expect, it } from 'vitest';
import type { Operation } from '../openapi/index.js';
import { asIdentity, buildRequest, toCurl } from './request.js';

const op = {
  id: 'getThing', operationId: 'getThing', method: 'GET', path: '/things/{id}', summary: undefined, tags: [], deprecated: false,
  parameters: [], requestBody: undefined, responses: {}, security: [], extensions: {}, pointer: '',
} as unknown as Operation;
const values = { path: { id: '../../admin?x=1#' }, query: { q: ["it's", 'b'], f: { a: 1 } }, header: {}, cookie: {}, body: undefined, mediaType: undefined };

describe('requests', () => {
  it('percent-encodes path values so they cannot change the path or the origin', () => {
    const req = buildRequest(op, values, '/api');
    expect(req.path.startsWith('/api/things/..%2F..%2Fadmin%3Fx%3D1%23?')).toBe(true);
    expect(buildRequest(op, { ...values, path: { id: '//evil.example' } }, '').path).toBe('/things/%2F%2Fevil.example?q=it%27s&q=b&f%5Ba%5D=1');
  });

  it('writes a curl command that quotes for the shell and reads the credential from the environment', () => {
    const req = asIdentity({ ...buildRequest(op, values, ''), method: 'POST', body: `{"a":"it's"}` }, { name: 'user-2', header: 'Authorization', value: 'Bearer secret-token' });
    const curl = toCurl('http://127.0.0.1:1', req, 'Authorization');
    expect(curl).toContain(`--data-raw '{"a":"it'\\''s"}'`);
    expect(curl).toContain('"authorization: $GH_AUTH_USER_2"');
    expect(curl).not.toContain('secret-token');
  });
});
