import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { TRIM_BATCH, checkBy, checkGcra, checkInteger, checkOptionalTtl, checkQuery, checkRecord, checkRecordJson, checkTrim, checkTtl, recordJson } from '../check.js';
import { StoreInputError, StoreUnavailableError } from '../errors.js';
import { gcraDecide, gcraNextTat } from '../gcra.js';
import { LocalPubSub } from '../local-pubsub.js';
import type { Counters, GcraOptions, KeyValue, RecordFilter, Records, Store, StoreHealth, StoredRecord } from '../ports.js';
import { filterShape, whereValues } from './filter-shape.js';
import { migrateSqlite } from './migrations.js';

export interface SqliteStoreOptions {
  /** Database file; ':memory:' for a throw-away database. */
  readonly path: string;
  /** Clock in ms since epoch. Default Date.now. */
  readonly now?: () => number;
  /** How long a call waits for another process's write lock. It blocks the event loop, so keep it short. Default 250. */
  readonly busyTimeoutMs?: number;
  /** How often expired counters, slots and kv entries are deleted. Default 60 s; 0 disables. */
  readonly sweepIntervalMs?: number;
}

const STORE = 'sqlite';

/**
 * Embedded store on one SQLite file (WAL), for a single gateway machine. better-sqlite3 is
 * synchronous, so each call, and each transaction, runs to completion before any other JS runs:
 * atomic within the process; IMMEDIATE transactions keep it atomic across processes.
 */
export function createSqliteStore(options: SqliteStoreOptions): Store {
  const now = options.now ?? Date.now;
  let db: Database.Database;
  try {
    // The default path (data/gatehouse.db) must work on a fresh checkout: make its folder.
    if (options.path !== ':memory:') mkdirSync(path.dirname(options.path), { recursive: true });
    db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    // NORMAL is durable against application crashes in WAL mode; only an OS crash can lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 250))}`);
    migrateSqlite(db);
  } catch (err) {
    throw new StoreUnavailableError(STORE, `open ${options.path}`, err);
  }
  const pubsub = new LocalPubSub();

  // Prepared once; the request path only binds and steps.
  const s = {
    incr: db.prepare<{ key: string; by: number; exp: number; now: number }, { value: number }>(`
      INSERT INTO counters (key, value, expires_at) VALUES (@key, @by, @exp)
      ON CONFLICT (key) DO UPDATE SET
        value = CASE WHEN counters.expires_at <= @now THEN excluded.value ELSE counters.value + excluded.value END,
        expires_at = CASE WHEN counters.expires_at <= @now THEN excluded.expires_at ELSE counters.expires_at END
      RETURNING value`),
    getCounter: db.prepare<[string, number], { value: number }>('SELECT value FROM counters WHERE key = ? AND expires_at > ?'),
    resetCounter: db.prepare<[string]>('DELETE FROM counters WHERE key = ?'),
    getTat: db.prepare<[string], { tat: number }>('SELECT tat FROM gcra WHERE key = ?'),
    setTat: db.prepare<[string, number]>('INSERT INTO gcra (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat'),
    // One statement decides and takes the slot; no row comes back when all slots are taken.
    acquire: db.prepare<{ key: string; limit: number; exp: number; now: number }, { n: number }>(`
      INSERT INTO slots (key, n, expires_at) SELECT @key, 1, @exp WHERE @limit >= 1
      ON CONFLICT (key) DO UPDATE SET
        n = CASE WHEN slots.expires_at <= @now THEN 1 ELSE slots.n + 1 END, expires_at = excluded.expires_at
      WHERE slots.expires_at <= @now OR slots.n < @limit
      RETURNING n`),
    release: db.prepare<[string, number]>('UPDATE slots SET n = n - 1 WHERE key = ? AND expires_at > ? AND n > 0'),
    kvGet: db.prepare<[string, number], { value: string }>('SELECT value FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)'),
    kvSet: db.prepare<[string, string, number | null]>(
      'INSERT INTO kv (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at',
    ),
    kvSetNx: db.prepare<{ key: string; value: string; exp: number | null; now: number }>(`
      INSERT INTO kv (key, value, expires_at) VALUES (@key, @value, @exp)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
      WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= @now`),
    kvDelete: db.prepare<[string, number]>('DELETE FROM kv WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)'),
    kvList: db.prepare<{ p: string; now: number; limit: number }, { key: string; value: string }>(`
      SELECT key, value FROM kv
      WHERE key >= @p AND substr(key, 1, length(@p)) = @p AND (expires_at IS NULL OR expires_at > @now)
      ORDER BY key LIMIT @limit`),
    append: db.prepare<[string, number, string]>('INSERT INTO records (stream, ts, data) VALUES (?, ?, ?)'),
    // Retention deletes in batches of ids, oldest first, along the (stream, ts, id) and (stream, id) indexes.
    trimOlder: db.prepare<[string, number, number]>('DELETE FROM records WHERE id IN (SELECT id FROM records WHERE stream = ? AND ts < ? ORDER BY id LIMIT ?)'),
    trimUpTo: db.prepare<[string, number, number]>('DELETE FROM records WHERE id IN (SELECT id FROM records WHERE stream = ? AND id <= ? ORDER BY id LIMIT ?)'),
    newestBeyond: db.prepare<[string, number], { id: number }>('SELECT id FROM records WHERE stream = ? ORDER BY id DESC LIMIT 1 OFFSET ?'),
    sweep: [
      db.prepare<[number]>('DELETE FROM counters WHERE expires_at <= ?'),
      db.prepare<[number]>('DELETE FROM slots WHERE expires_at <= ? OR n <= 0'),
      db.prepare<[number]>('DELETE FROM gcra WHERE tat <= ?'),
      db.prepare<[number]>('DELETE FROM kv WHERE expires_at <= ?'),
    ],
  };

  const gcraTx = db.transaction((key: string, t: number, interval: number, burst: number, cost: number) => {
    const tat = s.getTat.get(key)?.tat;
    const d = gcraDecide(tat, t, interval, burst, cost);
    if (d.allowed && cost !== 0) s.setTat.run(key, gcraNextTat(tat, t, interval, cost));
    return d;
  });
  const appendTx = db.transaction((stream: string, json: readonly string[], ts: number) =>
    json.map((j) => String(s.append.run(stream, ts, j).lastInsertRowid)),
  );

  /** Runs a call, turning any driver failure into StoreUnavailableError; bad input passes through. */
  async function guard<T>(op: string, fn: () => T): Promise<T> {
    try {
      return fn();
    } catch (err) {
      if (err instanceof StoreInputError) throw err;
      throw new StoreUnavailableError(STORE, op, err);
    }
  }

  // Record queries have a statement per filter shape (which bounds, which fields of which type).
  const queries = new Map<string, Database.Statement<unknown[], { id: number; ts: number; data: string }>>();
  const counts = new Map<string, Database.Statement<unknown[], { n: number }>>();
  const whereSql = (f: RecordFilter | undefined): string => {
    let sql = 'stream = ?';
    if (f?.since !== undefined) sql += ' AND ts >= ?';
    if (f?.until !== undefined) sql += ' AND ts < ?';
    if (f?.where !== undefined) {
      for (const k of Object.keys(f.where).sort()) {
        const path = `'$."${k}"'`; // k matched /^[A-Za-z_][A-Za-z0-9_-]*$/ in checkQuery
        const t = typeof f.where[k];
        // json_type tells a JSON true from the number 1, which json_extract alone would not.
        if (t === 'boolean') sql += ` AND json_type(data, ${path}) = ?`;
        else if (t === 'number') sql += ` AND json_type(data, ${path}) IN ('integer', 'real') AND json_extract(data, ${path}) = ?`;
        else sql += ` AND json_type(data, ${path}) = 'text' AND json_extract(data, ${path}) = ?`;
      }
    }
    return sql;
  };
  const params = (stream: string, f: RecordFilter | undefined): unknown[] => {
    const p: unknown[] = [stream];
    if (f?.since !== undefined) p.push(f.since);
    if (f?.until !== undefined) p.push(f.until);
    for (const v of whereValues(f)) p.push(typeof v === 'boolean' ? String(v) : v);
    return p;
  };
  function cached<S>(cache: Map<string, S>, shape: string, make: () => S): S {
    let st = cache.get(shape);
    if (st === undefined) {
      if (cache.size >= 256) cache.clear(); // bounded: shapes come from code, but do not trust that
      cache.set(shape, (st = make()));
    }
    return st;
  }

  const counters: Counters = {
    increment: (key, by, ttlMs) =>
      guard('increment', () => {
        checkTtl('counters.increment', ttlMs);
        checkBy(by);
        const t = now();
        return (s.incr.get({ key, by, exp: t + ttlMs, now: t }) as { value: number }).value;
      }),
    get: (key) => guard('get', () => s.getCounter.get(key, now())?.value ?? 0),
    reset: (key) => guard('reset', () => void s.resetCounter.run(key)),
    gcra: (key, o: GcraOptions) =>
      guard('gcra', () => {
        checkGcra(o);
        return gcraTx.immediate(key, o.nowMs ?? now(), o.emissionIntervalMs, o.burst, o.cost ?? 1);
      }),
    acquire: (key, limit, ttlMs) =>
      guard('acquire', () => {
        checkInteger('counters.acquire', 'limit', limit, 0);
        checkTtl('counters.acquire', ttlMs);
        const t = now();
        return s.acquire.get({ key, limit, exp: t + ttlMs, now: t }) !== undefined;
      }),
    release: (key) => guard('release', () => void s.release.run(key, now())),
  };

  const kv: KeyValue = {
    get: (key) => guard('kv.get', () => s.kvGet.get(key, now())?.value),
    set: (key, value, ttlMs) =>
      guard('kv.set', () => {
        checkOptionalTtl('kv.set', ttlMs);
        s.kvSet.run(key, value, ttlMs === undefined ? null : now() + ttlMs);
      }),
    setIfAbsent: (key, value, ttlMs) =>
      guard('kv.setIfAbsent', () => {
        checkOptionalTtl('kv.setIfAbsent', ttlMs);
        const t = now();
        return s.kvSetNx.run({ key, value, exp: ttlMs === undefined ? null : t + ttlMs, now: t }).changes === 1;
      }),
    delete: (key) => guard('kv.delete', () => s.kvDelete.run(key, now()).changes === 1),
    list: (prefix, limit = 1000) =>
      guard('kv.list', () => {
        checkInteger('kv.list', 'limit', limit, 0);
        return s.kvList.all({ p: prefix, now: now(), limit });
      }),
  };

  const records: Records = {
    append: (stream, record) => guard('records.append', () => appendTx.immediate(stream, [recordJson(stream, record)], now())[0] as string),
    appendMany: (stream, list) =>
      guard('records.appendMany', () => {
        checkRecord(stream, {});
        return appendTx.immediate(stream, list.map((r) => recordJson(stream, r)), now());
      }),
    appendManyJson: (stream, texts) =>
      guard('records.appendManyJson', () => {
        checkRecordJson(stream, texts);
        return appendTx.immediate(stream, texts, now());
      }),
    query: (stream, q) =>
      guard('records.query', () => {
        const limit = checkQuery(stream, q);
        const order = q?.order === 'desc' ? 'DESC' : 'ASC';
        const st = cached(queries, `${order}${filterShape(q)}`, () =>
          db.prepare<unknown[], { id: number; ts: number; data: string }>(
            `SELECT id, ts, data FROM records WHERE ${whereSql(q)} ORDER BY id ${order} LIMIT ?`,
          ),
        );
        return st.all(...params(stream, q), limit).map(
          (r): StoredRecord => ({ id: String(r.id), ts: r.ts, data: JSON.parse(r.data) as Record<string, unknown> }),
        );
      }),
    count: (stream, f) =>
      guard('records.count', () => {
        checkQuery(stream, f);
        const st = cached(counts, filterShape(f), () => db.prepare<unknown[], { n: number }>(`SELECT count(*) AS n FROM records WHERE ${whereSql(f)}`));
        return (st.get(...params(stream, f)) as { n: number }).n;
      }),
    async trim(stream, rule) {
      checkTrim(stream, rule);
      // One batch per turn of the event loop: better-sqlite3 blocks it while a statement runs.
      const batches = async (step: () => number): Promise<number> => {
        let total = 0;
        for (;;) {
          const n = await guard('records.trim', step);
          total += n;
          if (n < TRIM_BATCH) return total;
          await new Promise((resolve) => setImmediate(resolve));
        }
      };
      let deleted = 0;
      if (rule.before !== undefined) {
        const before = rule.before;
        deleted += await batches(() => s.trimOlder.run(stream, before, TRIM_BATCH).changes);
      }
      if (rule.keep !== undefined) {
        const keep = rule.keep;
        const last = await guard('records.trim', () => s.newestBeyond.get(stream, keep)?.id);
        if (last !== undefined) deleted += await batches(() => s.trimUpTo.run(stream, last, TRIM_BATCH).changes);
      }
      return deleted;
    },
  };

  const sweep = (): void => {
    try {
      const t = now();
      for (const st of s.sweep) st.run(t);
    } catch {
      // Sweeping is housekeeping: a busy or closed database just skips a round.
    }
  };
  const sweepEvery = options.sweepIntervalMs ?? 60_000;
  const timer = sweepEvery > 0 ? setInterval(sweep, sweepEvery) : undefined;
  timer?.unref();

  return {
    counters,
    kv,
    records,
    pubsub,
    async health(): Promise<StoreHealth> {
      try {
        db.prepare('SELECT 1').get();
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: `sqlite: ${(err as Error).message}` };
      }
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      pubsub.clear();
      if (db.open) db.close();
    },
  };
}
