import type { Denial } from '../../errors/index.js';
import { createMemoryStore, StoreUnavailableError, type Counters } from '../../store/index.js';
import type { RuntimeScope } from '../types.js';
import type { StoreFailure } from './config.js';

/** How often an ongoing store outage is logged per policy: once, then at most every 10 s with a count. */
const LOG_EVERY_MS = 10_000;

export interface GuardedCounters {
  /**
   * Runs `op` against the configured store. When the store is unavailable: fail closed returns a
   * 503 denial; fail open runs `op` against an in-process store (the local limiter: limits then
   * hold per gateway instance instead of per cluster), counts it in
   * `gatehouse_fail_open_total{policy, dependency="store"}` and logs it. Never silent.
   */
  run<T>(op: (counters: Counters) => Promise<T>): Promise<T | Denial>;
  /** The local limiter's counters when failing open (release of slots taken there). */
  readonly local: () => Counters;
  /**
   * The configured store's counters when they answer at once (`gcraNow`: the memory store),
   * else undefined. An in-process store has no outage to guard against; once closed (a
   * shutdown) its step throws, and the caller takes `run` for the usual handling.
   */
  readonly inProcess: Counters | undefined;
}

/** True for a denial returned by `run` instead of the operation's value. */
export function isGuardDenial(value: unknown): value is Denial {
  return typeof value === 'object' && value !== null && 'code' in value && (value as Denial).code === 'GH_DEPENDENCY_UNAVAILABLE';
}

/** One guard per policy per runtime; the local fallback store is shared by every policy of the runtime. */
export function guardedCounters(scope: RuntimeScope, policy: string, onFailure: StoreFailure): GuardedCounters {
  return scope.once(`store-guard:${policy}:${onFailure}`, () => {
    const { logger, metrics, store } = scope.services;
    const local = (): Counters => scope.once('local-limiter', () => {
      const memory = createMemoryStore({});
      scope.onClose(() => memory.close());
      return memory;
    }).counters;
    const denial: Denial = { code: 'GH_DEPENDENCY_UNAVAILABLE', detail: `the ${policy} store is unavailable`, headers: { 'retry-after': '1' } };
    const failOpen = metrics.failOpen.labels(policy, 'store');
    let lastLog = 0;
    let suppressed = 0;
    const report = (error: StoreUnavailableError): void => {
      const now = Date.now();
      if (now - lastLog < LOG_EVERY_MS) { suppressed++; return; }
      const fields = { policy, dependency: 'store', err: { code: error.code, message: error.message }, suppressed };
      if (onFailure === 'open') logger.warn(fields, 'store unavailable: failing open with the local in-process limiter');
      else logger.error(fields, 'store unavailable: failing closed (503)');
      lastLog = now;
      suppressed = 0;
    };
    return {
      local,
      inProcess: store.counters.gcraNow === undefined ? undefined : store.counters,
      async run<T>(op: (counters: Counters) => Promise<T>): Promise<T | Denial> {
        try {
          return await op(store.counters);
        } catch (error) {
          if (!(error instanceof StoreUnavailableError)) throw error;
          report(error);
          if (onFailure === 'closed') return denial;
          failOpen.inc();
          return op(local());
        }
      },
    };
  });
}
