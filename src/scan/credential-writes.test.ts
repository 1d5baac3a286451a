import { describe, expect, it } from 'vitest';
import type { Operation, SchemaObject } from '../openapi/index.js';
import { changesCallerCredentials } from './credential-writes.js';

function op(method: string, path: string, fields: string[], operationId?: string): Operation {
  const schema: SchemaObject = { type: 'object', properties: Object.fromEntries(fields.map((f) => [f, { type: 'string' }])) };
  return {
    id: `${method} ${path}`, method, path, operationId, parameters: [], security: [], extensions: {}, responses: {},
    requestBody: fields.length === 0 ? undefined : { required: true, content: { 'application/json': { schema } } },
  } as unknown as Operation;
}

describe('operations that can change the caller\'s credentials', () => {
  it('recognises password and email changes in the usual shapes', () => {
    for (const o of [
      op('PUT', '/users/{username}/password', ['password']),
      op('POST', '/account/password', ['current_password', 'new_password']),
      op('POST', '/change-password', ['oldPassword', 'newPassword']),
      op('PUT', '/users/{id}', ['name', 'password']),
      op('POST', '/settings', ['pwd'], 'updateSettings'),
    ]) expect(changesCallerCredentials(o, new Set()), o.id).toBe(true);
  });

  it('counts an email change only where the service logs in by email', () => {
    const update = op('PATCH', '/me', ['email', 'display_name']);
    expect(changesCallerCredentials(update, new Set(), true)).toBe(true);
    expect(changesCallerCredentials(update, new Set(), false)).toBe(false);
    expect(changesCallerCredentials(op('PUT', '/users/{id}/email', ['email']), new Set(), true)).toBe(true);
  });

  it('leaves alone creations of others, reads, the account flows and bodies without credentials', () => {
    const login = op('POST', '/auth/login', ['username', 'password']);
    for (const o of [
      op('POST', '/users', ['username', 'password']),
      op('GET', '/me/password', []),
      op('PUT', '/tickets/{id}', ['title', 'body']),
      op('PATCH', '/me', ['display_name']),
      op('POST', '/orders', ['email', 'items']),
      login,
    ]) expect(changesCallerCredentials(o, new Set([login])), o.id).toBe(false);
  });
});
