import type { Denial } from '../../errors/index.js';
import type { RequestContext } from '../../gateway/context.js';
import type { Operation } from '../../openapi/types.js';
import { StoreUnavailableError, type Counters } from '../../store/index.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import type { LimitRule } from './config.js';
import { guardedCounters, isGuardDenial } from './guard.js';
import { policyItem, retryAfterSeconds, stateItem } from './headers.js';
import { compileKey, type KeyOf } from './keys.js';
import { periodAt, periodMs } from './quota.js';

/** One limit's answer for one request. */
interface Decision {
  readonly allowed: boolean;
  readonly remaining: number;
  readonly resetMs: number;
  readonly retryMs: number;
  /** The counter the unit was taken from (a quota's key carries its period), for a refund. */
  readonly unit: string;
}

interface Check {
  readonly kind: LimitRule['kind'];
  readonly name: string;
  readonly keyOf: KeyOf;
  readonly policyItem: string;
  decide(counters: Counters, key: string): Promise<Decision>;
  /** `decide` on a store that answers at once (rates only: a quota's counter is an increment). */
  readonly decideNow: ((counters: Counters, key: string) => Decision) | undefined;
  /** Gives back the unit `decide` took from `unit` (atomic; never past the limit's full allowance). */
  refund(counters: Counters, unit: string): Promise<unknown>;
}

/** What a request's limits have said so far: the RateLimit headers' items and the units it holds. */
interface Tally {
  state: string;
  policies: string;
  taken: Taken[] | undefined;
}

/** A unit this request holds from one limit, and the store it came from (the local limiter when failing open). */
interface Taken {
  readonly check: Check;
  readonly counters: Counters;
  readonly unit: string;
}

/** Limits listing operations apply to those (by operationId or Gatehouse's `METHOD /path` id) only. */
function appliesTo(rule: LimitRule, operation: Operation | undefined): boolean {
  if (rule.operations === undefined) return true;
  if (operation === undefined) return false;
  return rule.operations.includes(operation.id) || (operation.operationId !== undefined && rule.operations.includes(operation.operationId));
}

/** Quota counters outlive their period by a minute so clock skew between gateways cannot revive one. */
const QUOTA_GRACE_MS = 60_000;

function compileCheck(rule: LimitRule, apiName: string, label: string): Check {
  const keyOf = compileKey(apiName, rule.name, rule.by, label);
  if (rule.kind === 'rate') {
    const options = { emissionIntervalMs: rule.windowMs / rule.count, burst: rule.burst };
    const refundOptions = { ...options, cost: -1 };
    return {
      kind: 'rate',
      name: rule.name,
      keyOf,
      policyItem: policyItem(rule.name, rule.count, rule.windowMs),
      async decide(counters, key) {
        const r = await counters.gcra(key, options);
        return { allowed: r.allowed, remaining: r.remaining, resetMs: r.resetAfterMs, retryMs: r.retryAfterMs, unit: key };
      },
      decideNow(counters, key) {
        const r = (counters.gcraNow as NonNullable<Counters['gcraNow']>)(key, options);
        return { allowed: r.allowed, remaining: r.remaining, resetMs: r.resetAfterMs, retryMs: r.retryAfterMs, unit: key };
      },
      refund: (counters, unit) => counters.gcra(unit, refundOptions),
    };
  }
  const { count, period } = rule;
  return {
    kind: 'quota',
    name: rule.name,
    keyOf,
    decideNow: undefined,
    policyItem: policyItem(rule.name, count, periodMs(period)),
    async decide(counters, key) {
      const now = Date.now();
      const window = periodAt(period, now);
      const unit = `${key}@${window.id}`;
      const used = await counters.increment(unit, 1, window.endMs - now + QUOTA_GRACE_MS);
      const resetMs = window.endMs - now;
      if (used <= count) return { allowed: true, remaining: count - used, resetMs, retryMs: 0, unit };
      // A refused request does not use quota: give the unit back (atomic, so concurrent callers
      // still see an exact count; a failure here only under-serves, never over-serves).
      counters.increment(unit, -1, window.endMs - now + QUOTA_GRACE_MS).catch(() => undefined);
      return { allowed: false, remaining: 0, resetMs, retryMs: resetMs, unit };
    },
    // The TTL only matters if the counter expired meanwhile; then the refund's -1 dies with it.
    refund: (counters, unit) => counters.increment(unit, -1, QUOTA_GRACE_MS),
  };
}

/** Gives back every unit in `taken`. A failed refund only under-serves (the unit stays used), never over-serves. */
function refundAll(taken: readonly Taken[], only?: 'quota'): void {
  for (const t of taken) {
    if (only === undefined || t.check.kind === only) t.check.refund(t.counters, t.unit).catch(() => undefined);
  }
}

/**
 * Rate limits (GCRA: exact, no fixed-window double bursts) and calendar quotas. Runs after
 * authentication, so limits can key on the identity, and before the contract, so a flood of
 * invalid requests is limited too.
 *
 * Counting (docs/abuse-protection.md, "What counts"): every applicable limit takes its unit
 * atomically when the request reaches it, so parallel requests can never get more than a limit
 * allows between them (reserve). A unit is given back (refund) when the request is refused
 * afterwards: by a later limit of this policy or by the concurrency policy, every unit goes back;
 * by anything else before the request reaches the upstream (the contract, the injection guard),
 * quota units go back and rate units stay taken, since rates exist to slow floods, invalid ones
 * included. Refunds err on the safe side: between reserve and refund a unit looks used.
 */
export const rateLimitPolicy: PolicyFactory = ({ scope, api, operation }) => {
  const config = api.policies.rateLimit;
  if (config === undefined || config.mode === 'off') return undefined;
  // Operation names were checked against the spec at load (policies/check.ts).
  const label = operation?.id ?? '(unmatched)';
  const checks = config.limits.filter((rule) => appliesTo(rule, operation)).map((rule) => compileCheck(rule, api.name, label));
  if (checks.length === 0) return undefined;
  const guard = guardedCounters(scope, 'rate-limit', config.onStoreFailure);
  // A later refusal can only take units back when something after this policy can refuse: the
  // concurrency limit (every unit), or anything at all for quotas. Otherwise nothing is kept.
  const concurrency = api.policies.concurrency !== undefined && api.policies.concurrency.mode === 'enforce';
  const keepUnits = concurrency || checks.some((c) => c.kind === 'quota');
  const held = new WeakMap<RequestContext, Taken[]>();

  // Every limit answered at once by an in-process store: the request phase stays synchronous.
  const inProcess = guard.inProcess;
  const synchronous = inProcess !== undefined && checks.every((c) => c.decideNow !== undefined);

  /** One limit's decision applied to the request; a denial when it refuses in enforce mode. */
  const apply = (ctx: RequestContext, tally: Tally, check: Check, decision: Decision, counters: Counters): Denial | undefined => {
    const item = stateItem(check.name, decision.remaining, decision.resetMs);
    tally.state = tally.state === '' ? item : `${tally.state}, ${item}`;
    tally.policies = tally.policies === '' ? check.policyItem : `${tally.policies}, ${check.policyItem}`;
    if (!decision.allowed) {
      setHeaders(ctx.responseHeaders ??= {}, tally.policies, tally.state);
      // In monitor mode the request goes on and keeps what it holds (it is not refused).
      if (config.mode === 'enforce') {
        if (tally.taken !== undefined) refundAll(tally.taken);
        return refusal(check.name, decision.retryMs);
      }
      ctx.monitor('rate-limit', refusal(check.name, decision.retryMs));
      return undefined;
    }
    if (keepUnits || checks.length > 1) (tally.taken ??= []).push({ check, counters, unit: decision.unit });
    return undefined;
  };
  const done = (ctx: RequestContext, tally: Tally): undefined => {
    if (tally.state !== '') setHeaders(ctx.responseHeaders ??= {}, tally.policies, tally.state);
    if (keepUnits && tally.taken !== undefined) held.set(ctx, tally.taken);
    return undefined;
  };

  const viaStore = async (ctx: RequestContext): Promise<Denial | undefined> => {
    const tally: Tally = { state: '', policies: '', taken: undefined };
    for (const check of checks) {
      const key = check.keyOf(ctx);
      if (key === undefined) continue;
      const result = await guard.run(async (counters) => ({ decision: await check.decide(counters, key), counters }));
      if (isGuardDenial(result)) {
        if (tally.taken !== undefined) refundAll(tally.taken);
        return result;
      }
      const denial = apply(ctx, tally, check, result.decision, result.counters);
      if (denial !== undefined) return denial;
    }
    return done(ctx, tally);
  };

  const instance: PolicyInstance = {
    name: 'rate-limit',
    mode: config.mode,
    request(ctx) {
      if (!synchronous) return viaStore(ctx);
      const counters = inProcess as Counters;
      const tally: Tally = { state: '', policies: '', taken: undefined };
      for (const check of checks) {
        const key = check.keyOf(ctx);
        if (key === undefined) continue;
        let decision: Decision;
        try {
          decision = (check.decideNow as NonNullable<Check['decideNow']>)(counters, key);
        } catch (error) {
          // A closed store (shutdown): give back what was taken and let the guarded path answer.
          if (!(error instanceof StoreUnavailableError)) throw error;
          if (tally.taken !== undefined) refundAll(tally.taken);
          return viaStore(ctx);
        }
        const denial = apply(ctx, tally, check, decision, counters);
        if (denial !== undefined) return denial;
      }
      return done(ctx, tally);
    },
  };
  if (!keepUnits) return instance;
  return {
    ...instance,
    log(ctx) {
      const taken = held.get(ctx);
      if (taken === undefined) return;
      held.delete(ctx);
      // Reached the upstream (or was let through): the units stay used.
      if (ctx.forwarded || ctx.denial === undefined) return;
      refundAll(taken, ctx.deniedBy === 'concurrency' ? undefined : 'quota');
    },
  };
};

function setHeaders(headers: Record<string, string>, policies: string, state: string): void {
  headers['ratelimit-policy'] = policies;
  headers.ratelimit = state;
}

function refusal(name: string, retryMs: number): Denial {
  return { code: 'GH_RATE_LIMITED', detail: `limit "${name}" exceeded`, headers: { 'retry-after': retryAfterSeconds(retryMs) } };
}
