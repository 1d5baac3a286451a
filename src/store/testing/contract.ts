import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreInputError, StoreUnavailableError } from '../errors.js';
import type { Store } from '../ports.js';

export interface ContractOptions {
  /**
   * Moves the store's clock forward. Engines with their own clock (Redis, PostgreSQL, a sqlite
   * store on the wall clock) use the default, a real wait; the memory store passes its manual clock.
   */
  readonly advance?: (ms: number) => Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves with the first message on `channel`, or rejects after `ms`. */
function nextMessage(store: Store, channel: string, ms = 3000): { received: Promise<string>; ready: Promise<() => Promise<void>> } {
  let resolve!: (m: string) => void;
  let reject!: (e: Error) => void;
  const received = new Promise<string>((res, rej) => ((resolve = res), (reject = rej)));
  const timer = setTimeout(() => reject(new Error(`no message on ${channel} within ${ms} ms`)), ms);
  const ready = store.pubsub.subscribe(channel, (m) => {
    clearTimeout(timer);
    resolve(m);
  });
  return { received, ready };
}

/**
 * The behaviour every store adapter promises. One store is opened for the whole suite; each
 * test works on its own keys and streams, so the suite can share a server with other runs.
 */
export function runStoreContract(name: string, makeStore: () => Promise<Store>, options: ContractOptions = {}): void {
  const advance = options.advance ?? sleep;

  describe(`store contract: ${name}`, () => {
    let store: Store;
    let n = 0;
    const run = randomUUID().slice(0, 8);
    /** A key no other test (or run) uses. */
    const key = (label: string): string => `${run}:${label}:${++n}`;

    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('reports healthy while its backing service answers', async () => {
      expect(await store.health()).toMatchObject({ ok: true });
    });

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
        const k = key('ttl');
        await store.counters.increment(k, 1, 400);
        await advance(250);
        expect(await store.counters.increment(k, 1, 400)).toBe(2);
        await advance(250);
        expect(await store.counters.get(k)).toBe(0);
        expect(await store.counters.increment(k, 3, 400)).toBe(3);
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

      it('refuses a burst below 1 and a negative cost', async () => {
        await expect(store.counters.gcra(key('bad'), { emissionIntervalMs: T, burst: 0 })).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.counters.gcra(key('bad'), { emissionIntervalMs: T, burst: 1, cost: -1 })).rejects.toBeInstanceOf(StoreInputError);
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
        expect(await store.counters.acquire(k, 1, 150)).toBe(true);
        expect(await store.counters.acquire(k, 1, 150)).toBe(false);
        await advance(250);
        expect(await store.counters.acquire(k, 1, 150)).toBe(true);
      });
    });

    describe('kv', () => {
      it('sets, gets, overwrites and deletes', async () => {
        const k = key('kv');
        expect(await store.kv.get(k)).toBeUndefined();
        await store.kv.set(k, 'one');
        expect(await store.kv.get(k)).toBe('one');
        await store.kv.set(k, 'deux — ✓');
        expect(await store.kv.get(k)).toBe('deux — ✓');
        await store.kv.set(k, '');
        expect(await store.kv.get(k)).toBe('');
        expect(await store.kv.delete(k)).toBe(true);
        expect(await store.kv.delete(k)).toBe(false);
        expect(await store.kv.get(k)).toBeUndefined();
      });

      it('expires entries set with a TTL; a later set without TTL keeps the entry forever', async () => {
        const a = key('ttl');
        const b = key('ttl');
        await store.kv.set(a, 'x', 100);
        await store.kv.set(b, 'y', 100);
        await store.kv.set(b, 'z');
        await advance(200);
        expect(await store.kv.get(a)).toBeUndefined();
        expect(await store.kv.get(b)).toBe('z');
      });

      it('setIfAbsent stores only when missing or expired', async () => {
        const k = key('nx');
        expect(await store.kv.setIfAbsent(k, 'first', 100)).toBe(true);
        expect(await store.kv.setIfAbsent(k, 'second', 100)).toBe(false);
        expect(await store.kv.get(k)).toBe('first');
        await advance(200);
        expect(await store.kv.setIfAbsent(k, 'third')).toBe(true);
        expect(await store.kv.get(k)).toBe('third');
      });

      it('lets exactly one of 20 parallel setIfAbsent calls win', async () => {
        const k = key('race');
        const won = await Promise.all(Array.from({ length: 20 }, (_, i) => store.kv.setIfAbsent(k, String(i), 60_000)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await store.kv.get(k)).toBe(String(won.indexOf(true)));
      });

      it('lists live entries under a literal prefix in key order, up to limit', async () => {
        const p = `${key('list')}:a*[?]%_\\:`;
        await store.kv.set(`${p}c`, '3');
        await store.kv.set(`${p}a`, '1');
        await store.kv.set(`${p}b`, '2');
        await store.kv.set(`${p}gone`, 'x', 50);
        await store.kv.set(`${p.slice(0, -3)}zz`, 'not under the prefix');
        await advance(120);
        expect(await store.kv.list(p)).toEqual([
          { key: `${p}a`, value: '1' },
          { key: `${p}b`, value: '2' },
          { key: `${p}c`, value: '3' },
        ]);
        expect(await store.kv.list(p, 2)).toHaveLength(2);
      });
    });

    describe('records', () => {
      it('appends and returns records in insertion order with ids and timestamps', async () => {
        const s = key('rec');
        const before = Date.now() - 60_000;
        const id1 = await store.records.append(s, { kind: 'a', n: 1 });
        const ids = await store.records.appendMany(s, [{ kind: 'b', n: 2 }, { kind: 'c', n: 3, nested: { x: [1, 2] } }]);
        expect(ids).toHaveLength(2);
        const rows = await store.records.query(s);
        expect(rows.map((r) => r.id)).toEqual([id1, ...ids]);
        expect(rows.map((r) => r.data)).toEqual([{ kind: 'a', n: 1 }, { kind: 'b', n: 2 }, { kind: 'c', n: 3, nested: { x: [1, 2] } }]);
        for (const r of rows) expect(r.ts).toBeGreaterThan(before);
        expect(await store.records.query(key('other'))).toEqual([]);
      });

      it('stores a copy: changing the object after append changes nothing', async () => {
        const s = key('copy');
        const rec = { v: 'before' };
        await store.records.append(s, rec);
        rec.v = 'after';
        expect((await store.records.query(s))[0]?.data).toEqual({ v: 'before' });
      });

      it('filters on top-level fields by type and value, orders and limits', async () => {
        const s = key('where');
        await store.records.appendMany(s, [
          { route: 'GET /a', status: 200, ok: true },
          { route: 'GET /a', status: 500, ok: false },
          { route: 'GET /b', status: 200, ok: true },
          { route: 'GET /a', status: '200', ok: 'true' },
          { route: 'GET /a', status: 200, ok: 1 },
        ]);
        const q = async (where: Record<string, string | number | boolean>) => (await store.records.query(s, { where })).map((r) => r.data);
        expect(await q({ route: 'GET /a', status: 200 })).toEqual([
          { route: 'GET /a', status: 200, ok: true },
          { route: 'GET /a', status: 200, ok: 1 },
        ]);
        expect(await q({ ok: true })).toHaveLength(2);
        expect(await q({ status: '200' })).toEqual([{ route: 'GET /a', status: '200', ok: 'true' }]);
        expect(await q({ missing: 'x' })).toEqual([]);
        const desc = await store.records.query(s, { where: { route: 'GET /a' }, order: 'desc', limit: 2 });
        expect(desc.map((r) => r.data['status'])).toEqual([200, '200']);
        expect(await store.records.count(s)).toBe(5);
        expect(await store.records.count(s, { where: { status: 200 } })).toBe(3);
        expect(await store.records.query(s, { limit: 0 })).toEqual([]);
      });

      it('selects by insertion time: since inclusive, until exclusive', async () => {
        const s = key('time');
        await store.records.append(s, { i: 1 });
        await advance(30);
        await store.records.append(s, { i: 2 });
        const [a, b] = await store.records.query(s);
        expect(a && b && b.ts > a.ts).toBe(true);
        expect((await store.records.query(s, { since: b!.ts })).map((r) => r.data)).toEqual([{ i: 2 }]);
        expect((await store.records.query(s, { until: b!.ts })).map((r) => r.data)).toEqual([{ i: 1 }]);
        expect(await store.records.count(s, { since: a!.ts, until: b!.ts + 1 })).toBe(2);
      });

      it('refuses a where field that is not a plain name and a record that is not an object', async () => {
        await expect(store.records.query(key('bad'), { where: { "a') OR 1=1 --": 'x' } })).rejects.toBeInstanceOf(StoreInputError);
        await expect(store.records.append(key('bad'), [1, 2] as unknown as object)).rejects.toBeInstanceOf(StoreInputError);
      });
    });

    describe('pubsub', () => {
      it('delivers a message to every subscriber of the channel and none of another', async () => {
        const ch = key('ch');
        const one = nextMessage(store, ch);
        const two = nextMessage(store, ch);
        const elsewhere: string[] = [];
        const offOther = await store.pubsub.subscribe(key('other'), (m) => elsewhere.push(m));
        await Promise.all([one.ready, two.ready]);
        await store.pubsub.publish(ch, 'revoke:jti-123 ✓');
        expect(await one.received).toBe('revoke:jti-123 ✓');
        expect(await two.received).toBe('revoke:jti-123 ✓');
        expect(elsewhere).toEqual([]);
        await offOther();
        await (await one.ready)();
        await (await two.ready)();
      });

      it('stops delivering to a handler once it unsubscribes', async () => {
        const ch = key('unsub');
        const got: string[] = [];
        const off = await store.pubsub.subscribe(ch, (m) => got.push(m));
        await store.pubsub.publish(ch, 'first');
        await expect.poll(() => got, { timeout: 3000 }).toEqual(['first']);
        await off();
        const witness = nextMessage(store, ch);
        await witness.ready;
        await store.pubsub.publish(ch, 'second');
        // The witness subscribed to the same channel saw 'second', so it was delivered by now.
        expect(await witness.received).toBe('second');
        expect(got).toEqual(['first']);
        await (await witness.ready)();
      });
    });

    it('close is idempotent and later calls reject with StoreUnavailableError', async () => {
      const s = await makeStore();
      await s.close();
      await s.close();
      await expect(s.counters.increment(key('closed'), 1, 1000)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(s.kv.get(key('closed'))).rejects.toBeInstanceOf(StoreUnavailableError);
      expect((await s.health()).ok).toBe(false);
    });
  });
}
