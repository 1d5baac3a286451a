import type { RequestContext } from '../gateway/context.js';
import { compileKey } from '../policies/rate-limit/keys.js';
import { periodAt } from '../policies/rate-limit/quota.js';
import type { AdminContext } from './handlers.js';

export interface LimitSubject {
  readonly kind?: 'jwt' | 'api-key' | 'mtls' | 'introspection';
  readonly subject?: string;
  readonly issuer?: string;
  readonly credential?: string;
  readonly ip?: string;
}

export interface LimitState {
  readonly api: string;
  readonly limit: string;
  readonly type: 'rate' | 'quota';
  readonly operation?: string;
  /** Requests (rate) or units (quota) the caller may still make now. */
  readonly remaining: number;
  readonly max: number;
  /** Until the bucket is full again (rate) or the period ends (quota). */
  readonly resetMs: number;
}

/**
 * Where one caller stands against every rate limit and quota of the serving configuration, read
 * without taking anything: a GCRA peek (cost 0) and a quota counter read. Keys come from the
 * rate-limit policy's own key compiler, so they are the keys the gateway counts under. A limit
 * keyed by something the question does not give (an address, a credential) is left out.
 */
export async function limitStates(ctx: AdminContext, who: LimitSubject, now: number): Promise<LimitState[]> {
  const request = {
    identity: who.subject === undefined ? undefined : { kind: who.kind ?? 'jwt', subject: who.subject, ...(who.issuer === undefined ? {} : { issuer: who.issuer }), ...(who.credential === undefined ? {} : { credentialId: who.credential }) },
    clientIp: who.ip,
  } as unknown as RequestContext;
  const out: LimitState[] = [];
  for (const { config, spec } of ctx.apis()) {
    const limits = config.policies.rateLimit;
    if (limits === undefined || limits.mode === 'off') continue;
    for (const rule of limits.limits) {
      const operations = rule.by.includes('operation')
        ? spec.operations.filter((o) => rule.operations === undefined || rule.operations.includes(o.id) || (o.operationId !== undefined && rule.operations.includes(o.operationId))).map((o) => o.id)
        : [undefined];
      for (const operation of operations) {
        const key = compileKey(config.name, rule.name, rule.by, operation ?? '')(request);
        if (key === undefined) continue;
        const base = { api: config.name, limit: rule.name, ...(operation === undefined ? {} : { operation }) };
        if (rule.kind === 'rate') {
          const r = await ctx.store.counters.gcra(key, { emissionIntervalMs: rule.windowMs / rule.count, burst: rule.burst, cost: 0 });
          out.push({ ...base, type: 'rate', remaining: r.remaining, max: rule.burst, resetMs: r.resetAfterMs });
        } else {
          const window = periodAt(rule.period, now);
          const used = await ctx.store.counters.get(`${key}@${window.id}`);
          out.push({ ...base, type: 'quota', remaining: Math.max(0, rule.count - used), max: rule.count, resetMs: window.endMs - now });
        }
      }
    }
  }
  return out;
}
