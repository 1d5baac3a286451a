import { describe, expect, it } from 'vitest';
import type { AdminPrincipal } from './auth.js';
import { createMemoryStore } from '../store/index.js';
import { AdminTokenStore, holdsRole, rolesOf } from './tokens.js';

describe('admin tokens', () => {
  it('verifies a token it issued, and not a forged secret, a malformed token or a revoked one', async () => {
    const store = createMemoryStore({});
    const tokens = new AdminTokenStore(store.kv);
    const { token, info } = await tokens.create({ role: 'viewer', name: 'grafana', by: 'test' });
    expect(await tokens.verify(token)).toMatchObject({ kind: 'token', id: `admin-token:${info.id} (grafana)` });
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    expect(await tokens.verify(token.slice(0, -1) + last)).toBeUndefined();
    expect(await tokens.verify(`${token}x`)).toBeUndefined();
    expect(await tokens.verify(token.replace(/^gha_[0-9a-f]{16}/, `gha_${'f'.repeat(16)}`))).toBeUndefined();
    expect(await tokens.revoke(info.id, 'test')).toBe(true);
    expect(await tokens.verify(token)).toBeUndefined();
    expect(await tokens.revoke(info.id, 'test')).toBe(false);
    await store.close();
  });

  it('stores only a hash: no kv entry holds the token or its secret part', async () => {
    const store = createMemoryStore({});
    const { token } = await new AdminTokenStore(store.kv).create({ role: 'admin', name: 'ops', by: 'test' });
    const entries = await store.kv.list('');
    expect(entries.length).toBe(1);
    expect(JSON.stringify(entries)).not.toContain(token.slice(21));
    await store.close();
  });

  it('orders roles: admin holds operator and viewer, viewer holds neither', () => {
    const as = (role: 'viewer' | 'operator' | 'admin'): AdminPrincipal => ({ kind: 'token', id: role, roles: rolesOf(role) });
    expect(holdsRole(as('admin'), 'operator')).toBe(true);
    expect(holdsRole(as('operator'), 'viewer')).toBe(true);
    expect(holdsRole(as('operator'), 'admin')).toBe(false);
    expect(holdsRole(as('viewer'), 'operator')).toBe(false);
    // admin.auth principals hold `admin` alone.
    expect(holdsRole({ kind: 'token', id: 'admin.auth.token', roles: new Set(['admin']) }, 'viewer')).toBe(true);
  });
});
