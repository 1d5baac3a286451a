import { describe, expect, it } from 'vitest';
import { loadSpec, loadSpecFromString } from '../openapi/index.js';
import { findAuthFlows, isSelfPath, userParam } from './auth-flows.js';

const json = (props: Record<string, string>, required: string[] = Object.keys(props)): object => ({
  required: true, content: { 'application/json': { schema: { type: 'object', required, properties: Object.fromEntries(Object.entries(props).map(([k, t]) => [k, { type: t }])) } } },
});

/** REST-resource style: sessions and accounts as collections, login by email, OpenAPI 3.1. */
const RESOURCE_STYLE = JSON.stringify({
  openapi: '3.1.0', info: { title: 'Resource style', version: '1' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  security: [{ bearer: [] }],
  paths: {
    '/api/v1/accounts': { post: { security: [], requestBody: json({ email: 'string', password: 'string', passwordConfirmation: 'string', fullName: 'string' }), responses: { 201: { description: 'ok' } } } },
    '/api/v1/sessions': { post: { security: [], requestBody: json({ email: 'string', password: 'string' }), responses: { 200: { description: 'ok' } } } },
    '/api/v1/password-resets': { post: { security: [], summary: 'Forgot password', requestBody: json({ email: 'string' }), responses: { 202: { description: 'ok' } } } },
    '/api/v1/password-resets/{token}': { put: { security: [], parameters: [{ name: 'token', in: 'path', required: true, schema: { type: 'string' } }], requestBody: json({ password: 'string' }), responses: { 204: { description: 'ok' } } } },
    '/api/v1/whoami': { get: { responses: { 200: { description: 'ok' } } } },
    '/api/v1/accounts/{accountId}/avatar': { put: { parameters: [{ name: 'accountId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'ok' } } } },
  },
});

/** Versioned-path style with the login and registration under /users/v1 and a `/me`. */
const VERSIONED_STYLE = JSON.stringify({
  openapi: '3.0.1', info: { title: 'Versioned style', version: '1' },
  paths: {
    '/users/v1': { get: { responses: { 200: { description: 'ok' } } } },
    '/users/v1/register': { post: { requestBody: json({ username: 'string', password: 'string', email: 'string' }), responses: { 200: { description: 'ok' } } } },
    '/users/v1/login': { post: { requestBody: json({ username: 'string', password: 'string' }), responses: { 200: { description: 'ok' } } } },
    '/users/v1/{username}/password': { put: { parameters: [{ name: 'username', in: 'path', required: true, schema: { type: 'string' } }], requestBody: json({ password: 'string' }), responses: { 204: { description: 'ok' } } } },
    '/me': { get: { responses: { 200: { description: 'ok' } } } },
  },
});

describe('account operations found from the spec', () => {
  it('finds login, registration, reset and me in a resource-style 3.1 spec that logs in by email', () => {
    const flows = findAuthFlows(loadSpecFromString(RESOURCE_STYLE, 'a.json').operations);
    expect(flows.login?.op.path).toBe('/api/v1/sessions');
    expect(flows.login?.userField).toBe('email');
    expect(flows.register?.op.path).toBe('/api/v1/accounts');
    expect(flows.register?.confirmFields).toEqual(['passwordConfirmation']);
    expect(flows.reset).toMatchObject({ field: 'email', where: 'body', kind: 'email' });
    expect(flows.reset?.op.path).toBe('/api/v1/password-resets');
    expect(flows.me?.path).toBe('/api/v1/whoami');
  });

  it('finds them in a versioned-path spec without declared security', () => {
    const spec = loadSpecFromString(VERSIONED_STYLE, 'b.json');
    const flows = findAuthFlows(spec.operations);
    expect(flows.login?.op.path).toBe('/users/v1/login');
    expect(flows.register?.op.path).toBe('/users/v1/register');
    expect(flows.reset).toBeUndefined();
    expect(flows.me?.path).toBe('/me');
    expect(userParam(spec.operations.find((o) => o.path === '/users/v1/{username}/password') as never)).toBe('username');
  });

  it('finds them in the Swagger 2.0 form-based helpdesk spec, and only login in the shop spec', async () => {
    const helpdesk = findAuthFlows((await loadSpec(new URL('../../test/targets/helpdesk-api.yaml', import.meta.url).pathname)).operations);
    expect([helpdesk.login?.op.path, helpdesk.register?.op.path, helpdesk.reset?.op.path, helpdesk.me?.path])
      .toEqual(['/auth/login', '/auth/register', '/auth/forgot-password', '/account']);
    expect(helpdesk.login?.media).toBe('application/x-www-form-urlencoded');
    const shop = findAuthFlows((await loadSpec(new URL('../../test/targets/vulnerable-api.yaml', import.meta.url).pathname)).operations);
    expect([shop.login?.op.path, shop.register, shop.reset, shop.me?.path]).toEqual(['/login', undefined, undefined, '/users/me']);
  });

  it('tells the caller\'s own paths and user-naming parameters apart from object ids', () => {
    const spec = loadSpecFromString(RESOURCE_STYLE, 'a.json');
    expect(userParam(spec.operations.find((o) => o.path.endsWith('/avatar')) as never)).toBe('accountId');
    expect(isSelfPath({ path: '/users/me/settings' } as never)).toBe(true);
    expect(isSelfPath({ path: '/orders/{orderId}' } as never)).toBe(false);
  });
});
