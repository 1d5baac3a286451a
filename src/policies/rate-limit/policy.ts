import { ConfigError, type Denial } from '../../errors/index.js';
import type { LoadedSpec, Operation } from '../../openapi/types.js';
import type { Counters } from '../../store/index.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import type { LimitRule, RateLimitConfig } from './config.js';
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
}

interface Check {
  readonly name: string;
  readonly keyOf: KeyOf;
  readonly policyItem: string;
  decide(counters: Counters, key: string): Promise<Decision>;
}

/** Limits listing operations apply to those (by operationId or Gatehouse's `METHOD /path` id) only. */
function appliesTo(rule: LimitRule, operation: Operation | undefined): boolean {
  if (rule.operations === undefined) return true;
  if (operation === undefined) return false;
  return rule.operations.includes(operation.id) || (operation.operationId !== undefined && rule.operations.includes(operation.operationId));
}

function compileCheck(rule: LimitRule, apiName: string, label: string): Check {
  const keyOf = compileKey(apiName, rule.name, rule.by, label);
  if (rule.kind === 'rate') {
    const options = { emissionIntervalMs: rule.windowMs / rule.count, burst: rule.burst };
    return {
      name: rule.name,
      keyOf,
      policyItem: policyItem(rule.name, rule.count, rule.windowMs),
      async decide(counters, key) {
        const r = await counters.gcra(key, options);
        return { allowed: r.allowed, remaining: r.remaining, resetMs: r.resetAfterMs, retryMs: r.retryAfterMs };
      },
    };
  }
  const { count, period } = rule;
  return {
    name: rule.name,
    keyOf,
    policyItem: policyItem(rule.name, count, periodMs(period)),
    async decide(counters, key) {
      const now = Date.now();
      const window = periodAt(period, now);
      const periodKey = `${key}@${window.id}`;
      // The counter outlives its period by a minute so clock skew between gateways cannot revive it.
      const used = await counters.increment(periodKey, 1, window.endMs - now + 60_000);
      const resetMs = window.endMs - now;
      if (used <= count) return { allowed: true, remaining: count - used, resetMs, retryMs: 0 };
      // A refused request does not use quota: give the unit back (atomic, so concurrent callers
      // still see an exact count; a failure here only under-serves, never over-serves).
      counters.increment(periodKey, -1, window.endMs - now + 60_000).catch(() => undefined);
      return { allowed: false, remaining: 0, resetMs, retryMs: resetMs };
    },
  };
}

/**
 * Rate limits (GCRA: exact, no fixed-window double bursts) and calendar quotas. Runs after
 * authentication, so limits can key on the identity, and before the contract, so a flood of
 * invalid requests is limited too. Every applicable limit must allow the request; they are
 * checked in order and the first refusal stops the walk (units already taken from earlier
 * limits stay taken: a refused request still counted against them).
 */
export const rateLimitPolicy: PolicyFactory = ({ scope, config: root, api, spec, operation }) => {
  const config = api.policies.rateLimit;
  if (config === undefined || config.mode === 'off') return undefined;
  scope.once(`rate-limit-operations:${api.name}`, () => checkOperations(config, spec, root.file, root.apis.indexOf(api)));
  const label = operation?.id ?? '(unmatched)';
  const checks = config.limits.filter((rule) => appliesTo(rule, operation)).map((rule) => compileCheck(rule, api.name, label));
  if (checks.length === 0) return undefined;
  const guard = guardedCounters(scope, 'rate-limit', config.onStoreFailure);

  const instance: PolicyInstance = {
    name: 'rate-limit',
    mode: config.mode,
    async request(ctx) {
      let state = '';
      let policies = '';
      for (const check of checks) {
        const key = check.keyOf(ctx);
        if (key === undefined) continue;
        const decision = await guard.run((counters) => check.decide(counters, key));
        if (isGuardDenial(decision)) return decision;
        const item = stateItem(check.name, decision.remaining, decision.resetMs);
        state = state === '' ? item : `${state}, ${item}`;
        policies = policies === '' ? check.policyItem : `${policies}, ${check.policyItem}`;
        if (!decision.allowed) {
          setHeaders(ctx.responseHeaders ??= {}, policies, state);
          return refusal(check.name, decision.retryMs);
        }
      }
      if (state !== '') setHeaders(ctx.responseHeaders ??= {}, policies, state);
      return undefined;
    },
  };
  return instance;
};

function setHeaders(headers: Record<string, string>, policies: string, state: string): void {
  headers['ratelimit-policy'] = policies;
  headers.ratelimit = state;
}

function refusal(name: string, retryMs: number): Denial {
  return { code: 'GH_RATE_LIMITED', detail: `limit "${name}" exceeded`, headers: { 'retry-after': retryAfterSeconds(retryMs) } };
}

/** A limit naming an operation the spec does not have would silently never apply: refuse the config. */
function checkOperations(config: RateLimitConfig, spec: LoadedSpec, file: string, apiIndex: number): true {
  const known = new Set(spec.operations.flatMap((op) => (op.operationId === undefined ? [op.id] : [op.id, op.operationId])));
  const problems = config.limits.flatMap((rule, i) => (rule.operations ?? [])
    .filter((name) => !known.has(name))
    .map((name) => ({ path: `apis[${apiIndex}].policies.rateLimit.limits[${i}].operations`, message: `"${name}" is not an operation of ${spec.file} (use an operationId or "METHOD /path")` })));
  if (problems.length > 0) throw new ConfigError(file, problems);
  return true;
}
