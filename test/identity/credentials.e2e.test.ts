import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyStore } from '../../src/identity/api-keys.js';
import { OPAQUE_RESOURCE } from './idp.js';
import { call, startIdentityStack, type IdentityStack } from './setup.js';

let stack: IdentityStack;
let keys: ApiKeyStore;

beforeAll(async () => {
  stack = await startIdentityStack();
  // The same store the gateway uses, as `gatehouse keys` would open it.
  keys = new ApiKeyStore(stack.gw.gateway.services.store.kv, { pubsub: stack.gw.gateway.services.store.pubsub });
});
afterAll(async () => {
  await stack.close();
});

describe('API keys', () => {
  it('accepts an issued key from its header and refuses a wrong one', async () => {
    const { key } = await keys.create({ name: 'alice', scopes: [] });
    expect((await call(stack, 'GET', '/v1/users/alice', { headers: { 'x-api-key': key } })).status).toBe(200);
    const wrong = await call(stack, 'GET', '/v1/users/alice', { headers: { 'x-api-key': `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}` } });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('GH_AUTHN_INVALID');
  });

  it('refuses a key sent in the query string when the spec declares a header', async () => {
    const { key } = await keys.create({ name: 'alice' });
    const res = await call(stack, 'GET', `/v1/users/alice?X-API-Key=${key}`);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('GH_AUTHN_REQUIRED');
  });

  it('refuses a revoked key on the very next request (the revocation is pushed, not waited for)', async () => {
    const { key, record } = await keys.create({ name: 'alice' });
    expect((await call(stack, 'GET', '/v1/users/alice', { headers: { 'x-api-key': key } })).status).toBe(200);
    // Counted, not timed: the key is cached by the gateway, and the pub/sub message evicts it
    // before any later request is read, so not one request is served after revoke() returns.
    await keys.revoke(record.id);
    const after = await call(stack, 'GET', '/v1/users/alice', { headers: { 'x-api-key': key } });
    expect(after.status).toBe(401);
  });

  it('applies object-level rules to key holders too', async () => {
    const { key } = await keys.create({ name: 'alice' });
    expect((await call(stack, 'GET', '/v1/users/bob', { headers: { 'x-api-key': key } })).status).toBe(403);
  });
});

describe('token introspection (RFC 7662) for opaque tokens', () => {
  it('accepts an active opaque token, caches the answer, and refuses an unknown one', async () => {
    const opaque = await stack.idp.token({ resource: OPAQUE_RESOURCE });
    const before = stack.idp.hits.get('/token/introspection') ?? 0;
    expect((await call(stack, 'GET', '/v1/orders', { token: opaque })).status).toBe(200);
    expect((await call(stack, 'GET', '/v1/orders', { token: opaque })).status).toBe(200);
    expect((stack.idp.hits.get('/token/introspection') ?? 0) - before).toBe(1);
    const unknown = await call(stack, 'GET', '/v1/orders', { token: 'NotAnIssuedTokenAtAll0123456789abcdefghijk' });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('refuses an opaque token without the operation\'s scope', async () => {
    const opaque = await stack.idp.token({ resource: OPAQUE_RESOURCE, scope: 'admin' });
    expect((await call(stack, 'GET', '/v1/orders', { token: opaque })).status).toBe(403);
  });

  it('fails closed with 503 when the endpoint is down, while cached answers keep serving', async () => {
    const cached = await stack.idp.token({ resource: OPAQUE_RESOURCE });
    const fresh = await stack.idp.token({ resource: OPAQUE_RESOURCE });
    expect((await call(stack, 'GET', '/v1/orders', { token: cached })).status).toBe(200);
    await stack.idp.stop();
    try {
      const down = await call(stack, 'GET', '/v1/orders', { token: fresh });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('GH_DEPENDENCY_UNAVAILABLE');
      expect((await call(stack, 'GET', '/v1/orders', { token: cached })).status).toBe(200);
    } finally {
      await stack.idp.restart(stack.idp.keys);
    }
  });
});
