import { describe, expect, it } from 'vitest';
import type { Identity, RequestContext } from '../../gateway/context.js';
import { createMemoryStore, type Store } from '../../store/index.js';
import type { PolicyInstance } from '../types.js';
import { standalonePolicy } from '../../../test/helpers/policy.js';
import type { LimitRule } from './config.js';
import { rateLimitPolicy } from './policy.js';

function policy(limits: LimitRule[], store: Store = createMemoryStore()): PolicyInstance {
  return standalonePolicy(rateLimitPolicy, { rateLimit: { mode: 'enforce', onStoreFailure: 'closed', limits } }, store);
}

function ctx(identity: Partial<Identity> | undefined, ip = '10.0.0.1'): RequestContext {
  return { clientIp: ip, identity, responseHeaders: undefined } as unknown as RequestContext;
}

const rate = (by: LimitRule['by'], count: number): LimitRule => ({ kind: 'rate', name: by.join('-'), by, count, windowMs: 3_600_000, burst: count, operations: undefined });

describe('limit keys', () => {
  it('gives each identity its own bucket and skips callers without one', async () => {
    const p = policy([rate(['identity'], 1)]);
    expect(await p.request?.(ctx({ kind: 'jwt', subject: 'alice' }))).toBeUndefined();
    expect(await p.request?.(ctx({ kind: 'jwt', subject: 'alice' }, '10.9.9.9'))).toMatchObject({ code: 'GH_RATE_LIMITED' });
    expect(await p.request?.(ctx({ kind: 'jwt', subject: 'bob' }))).toBeUndefined();
    // The same subject text from another kind of credential is another caller.
    expect(await p.request?.(ctx({ kind: 'api-key', subject: 'alice' }))).toBeUndefined();
    // Anonymous traffic is not under identity limits (IP limits hold it).
    for (let i = 0; i < 3; i++) expect(await p.request?.(ctx(undefined))).toBeUndefined();
    expect(await p.request?.(ctx({ kind: 'anonymous', subject: '' }))).toBeUndefined();
  });

  it('combines parts: identity+ip counts each pair', async () => {
    const p = policy([rate(['identity', 'ip'], 1)]);
    expect(await p.request?.(ctx({ kind: 'jwt', subject: 'alice' }, '1.1.1.1'))).toBeUndefined();
    expect(await p.request?.(ctx({ kind: 'jwt', subject: 'alice' }, '2.2.2.2'))).toBeUndefined();
    expect(await p.request?.(ctx({ kind: 'jwt', subject: 'alice' }, '1.1.1.1'))).toMatchObject({ code: 'GH_RATE_LIMITED' });
  });

  it('keys credential limits on the credential id', async () => {
    const p = policy([rate(['credential'], 1)]);
    expect(await p.request?.(ctx({ kind: 'api-key', subject: 'team', credentialId: 'k1' }))).toBeUndefined();
    expect(await p.request?.(ctx({ kind: 'api-key', subject: 'team', credentialId: 'k2' }))).toBeUndefined();
    expect(await p.request?.(ctx({ kind: 'api-key', subject: 'team', credentialId: 'k1' }))).toMatchObject({ code: 'GH_RATE_LIMITED' });
  });
});

describe('the hot path on the embedded store', () => {
  // Counted work, not time (`npm run bench` measures time): the request phase makes exactly one
  // store operation per applicable limit, and nothing else reaches the store.
  it('makes one counter operation per request for one limit, and no other store call', async () => {
    const memory = createMemoryStore();
    const calls = new Map<string, number>();
    const counters = new Proxy(memory.counters, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.set(String(key), (calls.get(String(key)) ?? 0) + 1);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const p = policy([rate(['ip'], 1_000_000_000)], { ...memory, counters });
    const contexts = Array.from({ length: 1000 }, (_, i) => ctx(undefined, `10.0.${i >> 8}.${i & 255}`));
    const n = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) expect(await p.request?.(contexts[i % 1000] as RequestContext)).toBeUndefined();
    console.log(`rate-limit request phase (memory store, 1 limit, 1000 keys): ${(Number(process.hrtime.bigint() - started) / 1e3 / n).toFixed(2)} µs/request (informational)`);
    expect(Object.fromEntries(calls)).toEqual({ gcraNow: n });
  });

  it('answers without a promise on the in-process store, and through the store elsewhere', async () => {
    const memory = createMemoryStore();
    const sync = policy([rate(['ip'], 2)], memory);
    const first = sync.request?.(ctx(undefined, '10.1.1.1'));
    expect(first).toBeUndefined();
    expect(sync.request?.(ctx(undefined, '10.1.1.1'))).toBeUndefined();
    // The third is refused on the spot, with the state the client is told.
    const c = ctx(undefined, '10.1.1.1');
    expect(sync.request?.(c)).toMatchObject({ code: 'GH_RATE_LIMITED' });
    expect(c.responseHeaders).toMatchObject({ ratelimit: expect.stringContaining('r=0') });
    // A store that answers over I/O (here: the memory store without its at-once step) is awaited.
    const other = createMemoryStore();
    const { gcraNow: _omitted, ...remote } = other.counters;
    const viaStore = policy([rate(['ip'], 1)], { ...other, counters: remote });
    const pending = viaStore.request?.(ctx(undefined, '10.2.2.2'));
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toBeUndefined();
    expect(await viaStore.request?.(ctx(undefined, '10.2.2.2'))).toMatchObject({ code: 'GH_RATE_LIMITED' });
  });

  it('fails closed through the guarded path once the in-process store is closed', async () => {
    const memory = createMemoryStore();
    const p = policy([rate(['ip'], 100)], memory);
    expect(p.request?.(ctx(undefined))).toBeUndefined();
    await memory.close();
    expect(await p.request?.(ctx(undefined))).toMatchObject({ code: 'GH_DEPENDENCY_UNAVAILABLE' });
  });
});
