import { describe, expect, it } from 'vitest';
import { StoreInputError } from '../errors.js';
import type { Store } from '../ports.js';
import type { ContractContext } from './contract.js';

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

/** Key-value entries, records and pub/sub. */
export function dataContract({ store: current, key, advance }: ContractContext): void {
  // The store opens in beforeAll, after these tests are declared: read it at run time.
  const store = {
    get kv() {
      return current().kv;
    },
    get records() {
      return current().records;
    },
    get pubsub() {
      return current().pubsub;
    },
  };
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
      // Long TTLs where the entry must still be there, a short one where it must be gone: only
      // "at least this long has passed" is relied on, never "at most", which a busy machine breaks.
      const k = key('nx');
      expect(await store.kv.setIfAbsent(k, 'first', 60_000)).toBe(true);
      expect(await store.kv.setIfAbsent(k, 'second', 60_000)).toBe(false);
      expect(await store.kv.get(k)).toBe('first');
      const short = key('nx');
      expect(await store.kv.setIfAbsent(short, 'first', 100)).toBe(true);
      await advance(200);
      expect(await store.kv.setIfAbsent(short, 'third')).toBe(true);
      expect(await store.kv.get(short)).toBe('third');
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

    it('stores pre-serialised records as they are, in order with the others, and refuses a text that is not an object', async () => {
      const s = key('json');
      const id1 = await store.records.append(s, { kind: 'a' });
      const ids = await store.records.appendManyJson(s, [JSON.stringify({ kind: 'b', who: 'qu"ote\\n' }), '{"kind":"c","n":3}']);
      expect(ids).toHaveLength(2);
      const rows = await store.records.query(s, { order: 'desc' });
      expect(rows.map((r) => r.id)).toEqual([...ids].reverse().concat(id1));
      expect(rows.map((r) => r.data)).toEqual([{ kind: 'c', n: 3 }, { kind: 'b', who: 'qu"ote\\n' }, { kind: 'a' }]);
      expect(await store.records.count(s, { where: { kind: 'b' } })).toBe(1);
      await expect(store.records.appendManyJson(s, ['[1,2]'])).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.records.appendManyJson(s, ['"text"'])).rejects.toBeInstanceOf(StoreInputError);
      expect(await store.records.count(s)).toBe(3);
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

    it('filters and limits across a long stream, in both orders', async () => {
      const s = key('long');
      await store.records.appendMany(s, Array.from({ length: 1200 }, (_, i) => ({ i, m: i % 3 })));
      const desc = await store.records.query(s, { where: { m: 0 }, order: 'desc', limit: 300 });
      expect(desc).toHaveLength(300);
      expect([desc[0]?.data['i'], desc[299]?.data['i']]).toEqual([1197, 300]);
      const asc = await store.records.query(s, { where: { m: 2 }, limit: 450 });
      expect(asc).toHaveLength(400);
      expect(asc[399]?.data['i']).toBe(1199);
      expect(await store.records.count(s, { where: { m: 1 } })).toBe(400);
      expect(await store.records.count(s)).toBe(1200);
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

    it('trims by age: records inserted before the bound go, the rest stay in order', async () => {
      const s = key('trim-age');
      await store.records.appendMany(s, [{ i: 1 }, { i: 2 }]);
      await advance(30);
      await store.records.appendMany(s, [{ i: 3 }, { i: 4 }]);
      const rows = await store.records.query(s);
      const newer = rows[2]!.ts;
      expect(newer).toBeGreaterThan(rows[1]!.ts);
      expect(await store.records.trim(s, { before: newer })).toBe(2);
      expect((await store.records.query(s)).map((r) => r.data['i'])).toEqual([3, 4]);
      expect(await store.records.trim(s, { before: newer })).toBe(0);
      expect(await store.records.trim(key('trim-none'), { before: newer })).toBe(0);
    });

    it('trims by size across several batches, keeping exactly the newest, and leaves other streams alone', async () => {
      const s = key('trim-size');
      const other = key('trim-other');
      await store.records.appendMany(other, [{ keep: true }]);
      for (let i = 0; i < 3; i++) await store.records.appendMany(s, Array.from({ length: 4000 }, (_, j) => ({ i: i * 4000 + j })));
      expect(await store.records.trim(s, { keep: 25 })).toBe(11_975);
      const left = await store.records.query(s, { limit: 100 });
      expect(left.map((r) => r.data['i'])).toEqual(Array.from({ length: 25 }, (_, j) => 11_975 + j));
      expect(await store.records.count(s)).toBe(25);
      expect(await store.records.trim(s, { keep: 25 })).toBe(0);
      expect(await store.records.trim(s, { keep: 0, before: 0 })).toBe(25);
      expect(await store.records.count(s)).toBe(0);
      expect(await store.records.count(other)).toBe(1);
      // New records after a trim still get increasing ids.
      const id = await store.records.append(s, { i: 'after' });
      expect((await store.records.query(s)).map((r) => r.id)).toEqual([id]);
    });

    it('refuses a trim rule that is not a bound', async () => {
      await expect(store.records.trim(key('bad'), { keep: -1 })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.records.trim(key('bad'), { before: Number.NaN })).rejects.toBeInstanceOf(StoreInputError);
    });

    it('refuses a where field that is not a plain name and a record that is not an object', async () => {
      await expect(store.records.query(key('bad'), { where: { "a') OR 1=1 --": 'x' } })).rejects.toBeInstanceOf(StoreInputError);
      await expect(store.records.append(key('bad'), [1, 2] as unknown as object)).rejects.toBeInstanceOf(StoreInputError);
    });
  });

  describe('pubsub', () => {
    it('delivers a message to every subscriber of the channel and none of another', async () => {
      const ch = key('ch');
      const one = nextMessage(current(), ch);
      const two = nextMessage(current(), ch);
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
      const witness = nextMessage(current(), ch);
      await witness.ready;
      await store.pubsub.publish(ch, 'second');
      // The witness subscribed to the same channel saw 'second', so it was delivered by now.
      expect(await witness.received).toBe('second');
      expect(got).toEqual(['first']);
      await (await witness.ready)();
    });
  });

}
