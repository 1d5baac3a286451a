import type { Denial } from '../../errors/index.js';
import type { RequestContext } from '../../gateway/context.js';
import type { Counters } from '../../store/index.js';
import { guardedCounters, isGuardDenial } from '../rate-limit/guard.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';

interface Slot {
  readonly limit: number;
  readonly keyOf: (ctx: RequestContext) => string | undefined;
  readonly denial: Denial;
}

interface Held {
  readonly counters: Counters;
  readonly key: string;
}

const limited = (what: string): Denial => ({ code: 'GH_CONCURRENCY_LIMITED', detail: `too many requests in flight for this ${what}`, headers: { 'retry-after': '1' } });

/**
 * Concurrency limits: requests in flight per identity, per client address and per upstream.
 * A slot is taken in the request phase and given back in the log phase, which runs once the
 * answer is complete whatever happened (refusal, upstream error, client gone). The store's slot
 * TTL bounds how long a slot leaked by a crashed gateway stays taken.
 */
export const concurrencyPolicy: PolicyFactory = ({ scope, api, config }) => {
  const settings = api.policies.concurrency;
  if (settings === undefined || settings.mode === 'off') return undefined;
  const base = `cc:${api.name}:`;
  const slots: Slot[] = [];
  if (settings.perIdentity !== undefined) {
    slots.push({
      limit: settings.perIdentity,
      denial: limited('caller'),
      keyOf: (ctx) => {
        const id = ctx.identity;
        return id === undefined || id.kind === 'anonymous' ? undefined : `${base}id:${id.kind}:${id.issuer ?? ''}:${id.subject}`;
      },
    });
  }
  if (settings.perIp !== undefined) slots.push({ limit: settings.perIp, denial: limited('client address'), keyOf: (ctx) => `${base}ip:${ctx.clientIp}` });
  if (settings.perUpstream !== undefined) {
    const key = `${base}upstream`;
    slots.push({ limit: settings.perUpstream, denial: limited('upstream'), keyOf: () => key });
  }
  if (slots.length === 0) return undefined;
  // Longer than any request may take: a live request never loses its slot to expiry.
  const ttlMs = config.limits.requestTimeoutMs + api.upstream.timeoutMs + 5_000;
  const guard = guardedCounters(scope, 'concurrency', settings.onStoreFailure);
  const held = new WeakMap<RequestContext, Held[]>();
  const logger = scope.services.logger;

  const releaseAll = (list: readonly Held[]): void => {
    for (const h of list) {
      h.counters.release(h.key).catch((error: unknown) => logger.warn({ err: error, policy: 'concurrency' }, 'releasing a concurrency slot failed; it expires with its TTL'));
    }
  };

  const instance: PolicyInstance = {
    name: 'concurrency',
    mode: settings.mode,
    async request(ctx) {
      let taken: Held[] | undefined;
      for (const slot of slots) {
        const key = slot.keyOf(ctx);
        if (key === undefined) continue;
        const result = await guard.run(async (counters) => ({ ok: await counters.acquire(key, slot.limit, ttlMs), counters }));
        if (isGuardDenial(result) || !result.ok) {
          if (taken !== undefined) releaseAll(taken);
          return isGuardDenial(result) ? result : slot.denial;
        }
        (taken ??= []).push({ counters: result.counters, key });
      }
      if (taken !== undefined) held.set(ctx, taken);
      return undefined;
    },
    log(ctx) {
      const list = held.get(ctx);
      if (list === undefined) return;
      held.delete(ctx);
      releaseAll(list);
    },
  };
  return instance;
};
