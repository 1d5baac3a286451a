import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryDecisions } from '../../src/identity/audit-trail.js';
import { call, startIdentityStack, type IdentityStack } from './setup.js';

let stack: IdentityStack;
let alice: string;
let admin: string;

beforeAll(async () => {
  stack = await startIdentityStack();
  alice = await stack.idp.token({ client: 'alice', scope: 'orders:read' });
  admin = await stack.idp.token({ client: 'admin', scope: 'orders:read orders:write admin' });
});
afterAll(async () => {
  await stack.close();
});

describe('scopes from the spec', () => {
  it('refuses a token without the operation\'s scope with 403 insufficient_scope, and accepts one with it', async () => {
    const refused = await call(stack, 'POST', '/v1/orders', { token: alice, body: { item: 'tea', owner: 'alice' } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('GH_AUTHZ_FORBIDDEN');
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="orders", error="insufficient_scope", scope="orders:write"');
    const writer = await stack.idp.token({ client: 'alice', scope: 'orders:read orders:write' });
    expect((await call(stack, 'POST', '/v1/orders', { token: writer, body: { item: 'tea', owner: 'alice' } })).status).toBe(201);
  });
});

describe('object-level authorization (BOLA)', () => {
  it('lets the owner read their user record and refuses another user\'s', async () => {
    expect((await call(stack, 'GET', '/v1/users/alice', { token: alice })).status).toBe(200);
    const bola = await call(stack, 'GET', '/v1/users/bob', { token: alice });
    expect(bola.status).toBe(403);
    expect(bola.body.code).toBe('GH_AUTHZ_OBJECT_FORBIDDEN');
    expect(stack.upstream.requests.some((r) => r.url === '/v1/users/bob')).toBe(false);
  });

  it('lets a role listed in unlessRole access any object', async () => {
    expect((await call(stack, 'GET', '/v1/users/bob', { token: admin })).status).toBe(200);
  });

  it('checks indirect ownership through the configured lookup', async () => {
    expect((await call(stack, 'GET', '/v1/orders/1', { token: alice })).status).toBe(200);
    expect((await call(stack, 'GET', '/v1/orders/2', { token: alice })).status).toBe(403);
    expect((await call(stack, 'GET', '/v1/orders/404', { token: alice })).status).toBe(403);
  });

  it('binds a body field to the caller', async () => {
    const writer = await stack.idp.token({ client: 'alice', scope: 'orders:read orders:write' });
    expect((await call(stack, 'POST', '/v1/orders', { token: writer, body: { item: 'tea', owner: 'bob' } })).status).toBe(403);
    expect((await call(stack, 'POST', '/v1/orders', { token: writer, body: { item: 'tea', owner: { $ne: 'x' } } })).status).toBe(403);
    expect((await call(stack, 'POST', '/v1/orders', { token: writer, body: { item: 'tea', owner: 'alice' } })).status).toBe(201);
  });
});

describe('function-level authorization', () => {
  it('refuses an admin operation to a user and allows it to an admin', async () => {
    const refused = await call(stack, 'DELETE', '/v1/admin/users/bob', { token: alice });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('GH_AUTHZ_FORBIDDEN');
    expect((await call(stack, 'DELETE', '/v1/admin/users/bob', { token: admin })).status).toBe(204);
  });
});

describe('step-up authentication (RFC 9470)', () => {
  it('challenges a token without the required acr/amr and accepts a fresh strong login', async () => {
    const weak = await call(stack, 'POST', '/v1/payments', { token: alice, body: { amount: 5 } });
    expect(weak.status).toBe(401);
    expect(weak.body.code).toBe('GH_AUTHZ_STEP_UP_REQUIRED');
    const challenge = weak.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_user_authentication"');
    expect(challenge).toContain('acr_values="urn:example:mfa"');
    expect(challenge).toContain('max_age=300');
    const now = Math.floor(Date.now() / 1000);
    const strong = await stack.mint({ subject: 'alice', claims: { acr: 'urn:example:mfa', amr: ['pwd', 'otp'], auth_time: now - 60 } });
    expect((await call(stack, 'POST', '/v1/payments', { token: strong, body: { amount: 5 } })).status).toBe(200);
  });

  it('challenges a strong login that is too old', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await stack.mint({ subject: 'alice', claims: { acr: 'urn:example:mfa', amr: ['otp'], auth_time: now - 3600 } });
    expect((await call(stack, 'POST', '/v1/payments', { token: stale, body: { amount: 5 } })).status).toBe(401);
  });
});

describe('identity forwarded to the upstream', () => {
  it('sends verified identity headers and a gateway-signed token, never the client\'s copies', async () => {
    stack.upstream.requests.length = 0;
    const res = await call(stack, 'GET', '/v1/orders', { token: alice, headers: { 'x-gatehouse-subject': 'admin', 'x-gatehouse-roles': 'admin', 'x-gatehouse-identity': 'forged' } });
    expect(res.status).toBe(200);
    const seen = stack.upstream.requests[0]?.headers ?? {};
    expect(seen['x-gatehouse-subject']).toBe('alice');
    expect(seen['x-gatehouse-roles']).toBe('user');
    expect(seen['x-gatehouse-scopes']).toBe('orders:read');
    const forwarded = decodeJwt(String(seen['x-gatehouse-identity']));
    expect(forwarded).toMatchObject({ sub: 'alice', iss: 'urn:gatehouse:gw', aud: 'orders', scope: 'orders:read' });
  });

  it('strips client identity headers on public operations too', async () => {
    stack.upstream.requests.length = 0;
    await call(stack, 'GET', '/v1/health', { headers: { 'x-gatehouse-subject': 'admin' } });
    expect(stack.upstream.requests[0]?.headers['x-gatehouse-subject']).toBeUndefined();
  });
});

describe('decision audit trail', () => {
  it('records allows and denies with who, what, rule and reason, and never a token', async () => {
    const bola = await call(stack, 'GET', '/v1/users/bob', { token: alice });
    const requestId = bola.body.requestId as string;
    const records = stack.gw.gateway.services.store.records;
    let found: Record<string, unknown> | undefined;
    for (let i = 0; i < 20 && found === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = (await queryDecisions(records, 'identity-decisions', { decision: 'deny', identity: 'alice' })).map((r) => r.data).find((d) => d.requestId === requestId);
    }
    expect(found).toMatchObject({ decision: 'deny', policy: 'object-auth', operation: 'getUser', identity: 'alice', kind: 'jwt', rule: 'objectAuth.rules[0]', code: 'GH_AUTHZ_OBJECT_FORBIDDEN' });
    expect(String(found?.reason)).toContain('another caller');
    const allows = await queryDecisions(records, 'identity-decisions', { decision: 'allow', operation: 'listOrders' });
    expect(allows.length).toBeGreaterThan(0);
    expect(allows[0]?.data).toMatchObject({ identity: 'alice', rule: 'oidc[orders:read]' });
    const all = JSON.stringify(await records.query('identity-decisions', { limit: 10_000 }));
    expect(all).not.toContain(alice);
    expect(all).not.toContain(alice.split('.')[2]);
  });
});
