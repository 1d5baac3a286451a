import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { ApiConfig, GatehouseConfig } from '../../config/types.js';
import type { Identity, RequestContext } from '../../gateway/context.js';
import { createMetrics } from '../../observe/metrics.js';
import type { LoadedSpec } from '../../openapi/types.js';
import { createMemoryStore } from '../../store/index.js';
import type { PolicyInstance, RuntimeScope } from '../types.js';
import type { LimitRule } from './config.js';
import { rateLimitPolicy } from './policy.js';

function scope(): RuntimeScope {
  const values = new Map<string, unknown>();
  return {
    services: { logger: pino({ level: 'silent' }), metrics: createMetrics({ defaultMetrics: false }), store: createMemoryStore(), observers: [] },
    once<T>(key: string, make: () => T): T {
      if (!values.has(key)) values.set(key, make());
      return values.get(key) as T;
    },
    onClose: () => undefined,
  };
}

function policy(limits: LimitRule[]): PolicyInstance {
  const api = { name: 'a', policies: { rateLimit: { mode: 'enforce', onStoreFailure: 'closed', limits } } } as unknown as ApiConfig;
  const config = { file: 'x', apis: [api] } as unknown as GatehouseConfig;
  const made = rateLimitPolicy({ scope: scope(), config, api, spec: { file: 'x', operations: [] } as unknown as LoadedSpec, operation: undefined, validators: undefined });
  if (made === undefined) throw new Error('no policy');
  return made;
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
  it('costs a few microseconds per request for one limit', async () => {
    const p = policy([rate(['ip'], 1_000_000_000)]);
    const contexts = Array.from({ length: 1000 }, (_, i) => ctx(undefined, `10.0.${i >> 8}.${i & 255}`));
    for (let i = 0; i < 20_000; i++) await p.request?.(contexts[i % 1000] as RequestContext);
    const n = 200_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await p.request?.(contexts[i % 1000] as RequestContext);
    const usPerRequest = Number(process.hrtime.bigint() - started) / 1e3 / n;
    console.log(`rate-limit request phase (memory store, 1 limit, 1000 keys): ${usPerRequest.toFixed(2)} µs/request`);
    expect(usPerRequest).toBeLessThan(25);
  });
});
