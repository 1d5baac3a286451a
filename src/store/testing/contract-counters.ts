import { describe, expect, it } from 'vitest';
import { StoreInputError } from '../errors.js';
import type { ContractContext } from './contract.js';

/** Counters, GCRA and concurrency slots: exactness under concurrency and expiry. */
export function counterContract({ store: current, key, advance }: ContractContext): void {
  // The store opens in beforeAll, after these tests are declared: read it at run time.
  const store = {
    get counters() {
      return current().counters;
    },
  };
  describe('counters', () => {
    it('increments from zero and reads back the running total', async () => {
      const k = key('inc');
      expect(await store.counters.get(k)).toBe(0);
      expect(await store.counters.increment(k, 1, 60_000)).toBe(1);
      expect(await store.counters.increment(k, 5, 60_000)).toBe(6);
      expect(await store.counters.increment(k, -2, 60_000)).toBe(4);
      expect(await store.counters.get(k)).toBe(4);
    });

    it('counts 200 parallel increments exactly', async () => {
      const k = key('parallel');
      const results = await Promise.all(Array.from({ length: 200 }, () => store.counters.increment(k, 1, 60_000)));
      expect(await store.counters.get(k)).toBe(200);
      // Every caller saw a distinct value: no two increments read the same old value.
      expect(new Set(results).size).toBe(200);
    });

    it('expires a counter ttlMs after its first increment, without extending on later increments', async () => {
      // The second increment must land inside the window: the window is wide enough that a busy
      // machine cannot push it out; the expiry only needs "at least this long has passed".
      const k = key('ttl');
      await store.counters.increment(k, 1, 2000);
      await advance(1000);
      expect(await store.counters.increment(k, 1, 2000)).toBe(2);
      await advance(1200);
      expect(await store.counters.get(k)).toBe(0);
      expect(await store.counters.increment(k, 3, 2000)).toBe(3);
    });

    it('reset starts a new window', async () => {
      const k = key('reset');
      await store.counters.increment(k, 7, 60_000);
      await store.counters.reset(k);
      expect(await store.counters.get(k)).toBe(0);
      expect(await store.counters.increment(k, 1, 60_000)).toBe(1);
    });

    it('refuses a TTL that is not a positive integer', async () => {
      await expect(store.counters.increment(key('bad'), 1, 0)).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.counters.increment(key('bad'), 1, Number.NaN)).rejects.toBeInstanceOf(StoreInputError);
    });
  });

  describe('gcra', () => {
    const T = 60_000;
    const t0 = 1_700_000_000_000;

    it('allows a full burst, then refuses with the time until the next token', async () => {
      const k = key('burst');
      for (let i = 4; i >= 0; i--) {
        expect(await store.counters.gcra(k, { emissionIntervalMs: T, burst: 5, nowMs: t0 })).toEqual({
          allowed: true, remaining: i, retryAfterMs: 0, resetAfterMs: (5 - i) * T,
        });
      }
      expect(await store.counters.gcra(k, { emissionIntervalMs: T, burst: 5, nowMs: t0 })).toEqual({
        allowed: false, remaining: 0, retryAfterMs: T, resetAfterMs: 5 * T,
      });
    });

    it('refills one token per emission interval and is full again after idling', async () => {
      const k = key('refill');
      const o = { emissionIntervalMs: 1000, burst: 2 };
      expect((await store.counters.gcra(k, { ...o, nowMs: t0 })).allowed).toBe(true);
      expect((await store.counters.gcra(k, { ...o, nowMs: t0 })).allowed).toBe(true);
      expect(await store.counters.gcra(k, { ...o, nowMs: t0 + 400 })).toMatchObject({ allowed: false, retryAfterMs: 600 });
      expect(await store.counters.gcra(k, { ...o, nowMs: t0 + 1000 })).toMatchObject({ allowed: true, remaining: 0 });
      expect(await store.counters.gcra(k, { ...o, nowMs: t0 + 60_000 })).toMatchObject({ allowed: true, remaining: 1, resetAfterMs: 1000 });
    });

    it('takes cost tokens only when all of them are there; cost 0 peeks', async () => {
      const k = key('cost');
      const o = { emissionIntervalMs: T, burst: 5, nowMs: t0 };
      expect(await store.counters.gcra(k, { ...o, cost: 3 })).toMatchObject({ allowed: true, remaining: 2 });
      expect(await store.counters.gcra(k, { ...o, cost: 3 })).toMatchObject({ allowed: false, remaining: 2, retryAfterMs: T });
      expect(await store.counters.gcra(k, { ...o, cost: 0 })).toMatchObject({ allowed: true, remaining: 2 });
      expect(await store.counters.gcra(k, { ...o, cost: 2 })).toMatchObject({ allowed: true, remaining: 0 });
      expect((await store.counters.gcra(key('huge'), { ...o, cost: 6 })).allowed).toBe(false);
    });

    it('allows exactly N of 3N parallel calls on the engine clock', async () => {
      const k = key('exact');
      const results = await Promise.all(
        Array.from({ length: 60 }, () => store.counters.gcra(k, { emissionIntervalMs: 3_600_000, burst: 20 })),
      );
      expect(results.filter((r) => r.allowed)).toHaveLength(20);
      expect(results.filter((r) => r.allowed).map((r) => r.remaining).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    });

    it('keeps separate buckets per key', async () => {
      const o = { emissionIntervalMs: T, burst: 1, nowMs: t0 };
      const a = key('a');
      expect((await store.counters.gcra(a, o)).allowed).toBe(true);
      expect((await store.counters.gcra(a, o)).allowed).toBe(false);
      expect((await store.counters.gcra(key('b'), o)).allowed).toBe(true);
    });

    it('gives tokens back for a negative cost, never past a full bucket', async () => {
      const k = key('refund');
      const o = { emissionIntervalMs: T, burst: 3, nowMs: t0 };
      for (let i = 0; i < 3; i++) expect((await store.counters.gcra(k, o)).allowed).toBe(true);
      expect((await store.counters.gcra(k, o)).allowed).toBe(false);
      // A later check refused the last request: its token comes back and the next one passes.
      expect(await store.counters.gcra(k, { ...o, cost: -1 })).toMatchObject({ allowed: true, remaining: 1 });
      expect(await store.counters.gcra(k, o)).toMatchObject({ allowed: true, remaining: 0 });
      expect((await store.counters.gcra(k, o)).allowed).toBe(false);
      // Refunding more than was taken leaves a full bucket, not a bigger one.
      expect(await store.counters.gcra(k, { ...o, cost: -10 })).toMatchObject({ allowed: true, remaining: 3, resetAfterMs: 0 });
      for (let i = 0; i < 3; i++) expect((await store.counters.gcra(k, o)).allowed).toBe(true);
      expect((await store.counters.gcra(k, o)).allowed).toBe(false);
    });

    it('refuses a burst below 1, a fractional cost and a bad interval', async () => {
      await expect(store.counters.gcra(key('bad'), { emissionIntervalMs: T, burst: 0 })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.counters.gcra(key('bad'), { emissionIntervalMs: T, burst: 1, cost: 0.5 })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.counters.gcra(key('bad'), { emissionIntervalMs: 0, burst: 1 })).rejects.toBeInstanceOf(StoreInputError);
    });
  });

  describe('concurrency slots', () => {
    it('hands out at most limit slots and takes them back on release', async () => {
      const k = key('slots');
      expect(await store.counters.acquire(k, 2, 60_000)).toBe(true);
      expect(await store.counters.acquire(k, 2, 60_000)).toBe(true);
      expect(await store.counters.acquire(k, 2, 60_000)).toBe(false);
      await store.counters.release(k);
      expect(await store.counters.acquire(k, 2, 60_000)).toBe(true);
    });

    it('ignores releases beyond what was acquired', async () => {
      const k = key('over');
      for (let i = 0; i < 3; i++) await store.counters.release(k);
      expect(await store.counters.acquire(k, 1, 60_000)).toBe(true);
      expect(await store.counters.acquire(k, 1, 60_000)).toBe(false);
    });

    it('grants exactly limit of 30 parallel acquires', async () => {
      const k = key('par');
      const got = await Promise.all(Array.from({ length: 30 }, () => store.counters.acquire(k, 10, 60_000)));
      expect(got.filter(Boolean)).toHaveLength(10);
    });

    it('frees leaked slots ttlMs after the last acquire', async () => {
      const k = key('leak');
      expect(await store.counters.acquire(k, 1, 2000)).toBe(true);
      expect(await store.counters.acquire(k, 1, 2000)).toBe(false);
      await advance(2200);
      expect(await store.counters.acquire(k, 1, 2000)).toBe(true);
    });
  });

}
