import { checkBy, checkGcra, checkInteger, checkOptionalTtl, checkQuery, checkTrim, checkTtl, inWindow, matchesWhere, recordJson, checkRecordJson } from '../check.js';
import { StoreUnavailableError } from '../errors.js';
import { gcraDecide, gcraNextTat } from '../gcra.js';
import { LocalPubSub } from '../local-pubsub.js';
import type { Counters, GcraOptions, GcraResult, KeyValue, KeyValueEntry, RecordFilter, RecordQuery, Records, Store, StoreHealth, StoredRecord } from '../ports.js';

export interface MemoryStoreOptions {
  /** Clock in ms since epoch; inject a manual clock in tests. Default Date.now. */
  readonly now?: () => number;
  /** How often expired entries are swept (an unref'd timer). Default 30 s; 0 disables. */
  readonly sweepIntervalMs?: number;
  /** Oldest records of a stream are dropped beyond this many. Default 100 000. */
  readonly maxRecordsPerStream?: number;
}

/** A stored record: its JSON, and the parsed form once a filter has needed it. */
interface KeptRecord {
  /** Made a string when read: most records are never read, and a number is kept in the record itself. */
  readonly id: number;
  readonly ts: number;
  readonly json: string;
  data: Record<string, unknown> | undefined;
}

function dataOf(r: KeptRecord): Record<string, unknown> {
  return (r.data ??= JSON.parse(r.json) as Record<string, unknown>);
}

interface Entry<T> {
  value: T;
  /** Absolute expiry in ms; Infinity for none. */
  expiresAt: number;
}

/**
 * Exact, in-process store for a single gateway and for tests. Everything runs synchronously
 * inside each call, so every operation is atomic without locks. Expired entries are dropped
 * when touched and by a periodic sweep, so keys that are never read again do not pile up.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): Store {
  const now = options.now ?? Date.now;
  const maxRecords = options.maxRecordsPerStream ?? 100_000;
  const counters = new Map<string, Entry<number>>();
  const tats = new Map<string, number>();
  const slots = new Map<string, Entry<number>>();
  const kv = new Map<string, Entry<string>>();
  const streams = new Map<string, KeptRecord[]>();
  const pubsub = new LocalPubSub();
  let nextId = 0;
  let closed = false;

  const open = (op: string): void => {
    if (closed) throw new StoreUnavailableError('memory', op, 'store is closed');
  };
  function live<T>(map: Map<string, Entry<T>>, key: string, t: number): Entry<T> | undefined {
    const e = map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= t) {
      map.delete(key);
      return undefined;
    }
    return e;
  }

  const sweep = (): void => {
    const t = now();
    for (const map of [counters, slots, kv] as Map<string, Entry<unknown>>[]) {
      for (const [k, e] of map) if (e.expiresAt <= t) map.delete(k);
    }
    for (const [k, tat] of tats) if (tat <= t) tats.delete(k);
  };
  const sweepEvery = options.sweepIntervalMs ?? 30_000;
  const timer = sweepEvery > 0 ? setInterval(sweep, sweepEvery) : undefined;
  timer?.unref();

  const gcraNow = (key: string, o: GcraOptions): GcraResult => {
    open('gcra');
    checkGcra(o);
    const t = o.nowMs ?? now();
    const cost = o.cost ?? 1;
    const tat = tats.get(key);
    const d = gcraDecide(tat, t, o.emissionIntervalMs, o.burst, cost);
    if (d.allowed && cost !== 0) tats.set(key, gcraNextTat(tat, t, o.emissionIntervalMs, cost));
    return d;
  };

  const counterPort: Counters = {
    async increment(key, by, ttlMs) {
      open('increment');
      checkTtl('counters.increment', ttlMs);
      checkBy(by);
      const t = now();
      const e = live(counters, key, t);
      if (e === undefined) {
        counters.set(key, { value: by, expiresAt: t + ttlMs });
        return by;
      }
      e.value += by;
      return e.value;
    },
    async get(key) {
      open('get');
      return live(counters, key, now())?.value ?? 0;
    },
    async reset(key) {
      open('reset');
      counters.delete(key);
    },
    async gcra(key: string, o: GcraOptions): Promise<GcraResult> {
      return gcraNow(key, o);
    },
    gcraNow,
    async acquire(key, limit, ttlMs) {
      open('acquire');
      checkInteger('counters.acquire', 'limit', limit, 0);
      checkTtl('counters.acquire', ttlMs);
      const t = now();
      const e = live(slots, key, t);
      const n = e?.value ?? 0;
      if (n >= limit) return false;
      slots.set(key, { value: n + 1, expiresAt: t + ttlMs });
      return true;
    },
    async release(key) {
      open('release');
      const e = live(slots, key, now());
      if (e === undefined) return;
      if (e.value <= 1) slots.delete(key);
      else e.value -= 1;
    },
  };

  const kvPort: KeyValue = {
    async get(key) {
      open('kv.get');
      return live(kv, key, now())?.value;
    },
    async set(key, value, ttlMs) {
      open('kv.set');
      checkOptionalTtl('kv.set', ttlMs);
      kv.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : now() + ttlMs });
    },
    async setIfAbsent(key, value, ttlMs) {
      open('kv.setIfAbsent');
      checkOptionalTtl('kv.setIfAbsent', ttlMs);
      const t = now();
      if (live(kv, key, t) !== undefined) return false;
      kv.set(key, { value, expiresAt: ttlMs === undefined ? Infinity : t + ttlMs });
      return true;
    },
    async delete(key) {
      open('kv.delete');
      const had = live(kv, key, now()) !== undefined;
      kv.delete(key);
      return had;
    },
    async list(prefix, limit = 1000) {
      open('kv.list');
      checkInteger('kv.list', 'limit', limit, 0);
      const t = now();
      const out: KeyValueEntry[] = [];
      for (const [key, e] of kv) if (key.startsWith(prefix) && e.expiresAt > t) out.push({ key, value: e.value });
      out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return out.slice(0, limit);
    },
  };

  // A full stream is trimmed in steps of `slack` records rather than on every append (that moved
  // the whole array each time); reads see only the newest maxRecords.
  const slack = Math.max(16, maxRecords >> 3);
  const kept = (stream: string): readonly KeptRecord[] => {
    const list = streams.get(stream) ?? [];
    return list.length > maxRecords ? list.slice(list.length - maxRecords) : list;
  };
  const select = (stream: string, f: RecordFilter | undefined): KeptRecord[] =>
    kept(stream).filter((r) => inWindow(r.ts, f?.since, f?.until) && (f?.where === undefined || matchesWhere(dataOf(r), f.where)));

  // Kept as JSON, like the other engines: a copy the caller cannot change afterwards, JSON-only
  // data. Parsed on first read: records are written far more often than they are read.
  const appendAll = (stream: string, records: readonly object[]): string[] => appendTexts(stream, records.map((r) => recordJson(stream, r)));

  const appendTexts = (stream: string, texts: readonly string[]): string[] => {
    let list = streams.get(stream);
    if (list === undefined) streams.set(stream, (list = []));
    const ts = now();
    const ids: string[] = [];
    for (const json of texts) {
      const id = ++nextId;
      list.push({ id, ts, json, data: undefined });
      ids.push(String(id));
    }
    if (list.length > maxRecords + slack) {
      // In place: splice would also build an array of everything it removes.
      list.copyWithin(0, list.length - maxRecords);
      list.length = maxRecords;
    }
    return ids;
  };

  const recordPort: Records = {
    async append(stream, record) {
      open('records.append');
      return appendAll(stream, [record])[0] as string;
    },
    async appendMany(stream, records) {
      open('records.appendMany');
      return appendAll(stream, records);
    },
    async appendManyJson(stream, texts) {
      open('records.appendManyJson');
      checkRecordJson(stream, texts);
      return appendTexts(stream, texts);
    },
    async query(stream, q?: RecordQuery) {
      open('records.query');
      const limit = checkQuery(stream, q);
      const rows = select(stream, q);
      if (q?.order === 'desc') rows.reverse();
      return rows.slice(0, limit).map((r): StoredRecord => ({ id: String(r.id), ts: r.ts, data: JSON.parse(r.json) as Record<string, unknown> }));
    },
    async count(stream, f) {
      open('records.count');
      checkQuery(stream, f);
      return select(stream, f).length;
    },
    async trim(stream, rule) {
      open('records.trim');
      checkTrim(stream, rule);
      const list = streams.get(stream);
      if (list === undefined) return 0;
      // Records past maxRecords are already invisible: they are dropped here but not counted.
      const hidden = Math.max(0, list.length - maxRecords);
      let from = hidden;
      if (rule.keep !== undefined) from = Math.max(from, list.length - rule.keep);
      const before = rule.before;
      const survivors = before === undefined ? list.slice(from) : list.slice(from).filter((r) => r.ts >= before);
      if (survivors.length === 0) streams.delete(stream);
      else streams.set(stream, survivors);
      return list.length - hidden - survivors.length;
    },
  };

  return {
    counters: counterPort,
    kv: kvPort,
    records: recordPort,
    pubsub,
    async health(): Promise<StoreHealth> {
      return closed ? { ok: false, detail: 'memory store is closed' } : { ok: true };
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      pubsub.clear();
    },
  };
}
