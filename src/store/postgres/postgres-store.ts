import pg from 'pg';
import { TRIM_BATCH, checkBy, checkGcra, checkInteger, checkOptionalTtl, checkQuery, checkRecord, checkRecordJson, checkTrim, checkTtl, recordJson } from '../check.js';
import { StoreInputError, StoreUnavailableError } from '../errors.js';
import type { Counters, GcraOptions, GcraResult, KeyValue, KeyValueEntry, RecordFilter, Records, Store, StoreHealth, StoredRecord } from '../ports.js';
import { migratePostgres } from './migrations.js';
import { PostgresPubSub } from './pubsub.js';

export interface PostgresStoreOptions {
  readonly url: string;
  /** Schema holding the tables; created if missing. Default `gatehouse`. */
  readonly schema?: string;
  /** Default 500 ms. */
  readonly connectTimeoutMs?: number;
  /** Client- and server-side statement timeout. Default 500 ms. */
  readonly commandTimeoutMs?: number;
  /** Default 10. */
  readonly poolSize?: number;
  /** How long a call may wait for a free pooled connection under load. Default 2000 ms. */
  readonly acquireTimeoutMs?: number;
}

const STORE = 'postgres';
/** Lower-case identifiers only: the schema name is part of SQL text and of the NOTIFY channel (63 bytes). */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,47}$/;

/**
 * Control store for the cluster layout (records, and optionally everything else). Resolves
 * even when PostgreSQL is down; migrations run before the first call that finds it up, and
 * until then every call rejects promptly with StoreUnavailableError.
 */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const schema = options.schema ?? 'gatehouse';
  if (!SCHEMA_NAME.test(schema)) throw new StoreInputError('postgres.schema', `${JSON.stringify(schema)} must match ${String(SCHEMA_NAME)}`);
  const S = `"${schema}"`;
  const commandTimeout = options.commandTimeoutMs ?? 500;
  const clientConfig: pg.ClientConfig = {
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 500,
    query_timeout: commandTimeout,
    statement_timeout: commandTimeout,
    application_name: 'gatehouse',
  };
  // pg-pool uses one option both for opening a connection and for waiting in its queue. A burst
  // must not look like an outage, so the queue gets its own, longer bound and each new
  // connection keeps the short connect timeout through a Client subclass.
  const connectTimeout = clientConfig.connectionTimeoutMillis;
  class BoundedClient extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeout });
    }
  }
  const pool = new pg.Pool({
    ...clientConfig,
    Client: BoundedClient,
    connectionTimeoutMillis: options.acquireTimeoutMs ?? 2000,
    max: options.poolSize ?? 10,
  });
  pool.on('error', () => {
    // An idle client lost its connection; the pool drops it and the next call opens a new one.
  });

  let migrated: Promise<unknown> | undefined;
  const ready = (): Promise<unknown> =>
    (migrated ??= migratePostgres(pool, schema, S).catch((err: unknown) => {
      migrated = undefined; // try again on the next call
      throw err;
    }));
  await ready().catch(() => undefined);

  let closed = false;
  /** Runs one statement as a named (server-side prepared, once per connection) query. */
  async function q<R extends pg.QueryResultRow>(op: string, name: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      if (closed) throw new Error('store is closed');
      await ready();
      return await pool.query<R>({ name: `gh_${name}`, text, values });
    } catch (err) {
      throw new StoreUnavailableError(STORE, op, err);
    }
  }

  const LIVE = `(expires_at IS NULL OR expires_at > ${S}.now_ms())`;
  const counters: Counters = {
    async increment(key, by, ttlMs) {
      checkTtl('counters.increment', ttlMs);
      checkBy(by);
      // EXCLUDED.expires_at - ttl is this statement's "now": one clock reading for the whole upsert.
      const r = await q<{ value: number }>('increment', 'incr', `
        INSERT INTO ${S}.counters AS c (key, value, expires_at) VALUES ($1, $2, ${S}.now_ms() + $3)
        ON CONFLICT (key) DO UPDATE SET
          value = CASE WHEN c.expires_at <= EXCLUDED.expires_at - $3 THEN EXCLUDED.value ELSE c.value + EXCLUDED.value END,
          expires_at = CASE WHEN c.expires_at <= EXCLUDED.expires_at - $3 THEN EXCLUDED.expires_at ELSE c.expires_at END
        RETURNING value::float8 AS value`, [key, by, ttlMs]);
      return (r.rows[0] as { value: number }).value;
    },
    async get(key) {
      const r = await q<{ value: number }>('get', 'get', `SELECT value::float8 AS value FROM ${S}.counters WHERE key = $1 AND expires_at > ${S}.now_ms()`, [key]);
      return r.rows[0]?.value ?? 0;
    },
    async reset(key) {
      await q('reset', 'reset', `DELETE FROM ${S}.counters WHERE key = $1`, [key]);
    },
    async gcra(key: string, o: GcraOptions): Promise<GcraResult> {
      checkGcra(o);
      const r = await q<{ allowed: boolean; remaining: number; retry_after: number; reset_after: number }>('gcra', 'gcra',
        `SELECT * FROM ${S}.gcra_step($1, $2, $3, $4, $5)`, [key, o.emissionIntervalMs, o.burst, o.cost ?? 1, o.nowMs ?? null]);
      const row = r.rows[0] as { allowed: boolean; remaining: number; retry_after: number; reset_after: number };
      return { allowed: row.allowed, remaining: row.remaining, retryAfterMs: row.retry_after, resetAfterMs: row.reset_after };
    },
    async acquire(key, limit, ttlMs) {
      checkInteger('counters.acquire', 'limit', limit, 0);
      checkTtl('counters.acquire', ttlMs);
      // Decides and takes the slot in one statement; no row comes back when all slots are taken.
      const r = await q('acquire', 'acquire', `
        INSERT INTO ${S}.slots AS sl (key, n, expires_at) SELECT $1, 1, ${S}.now_ms() + $3 WHERE $2::int >= 1
        ON CONFLICT (key) DO UPDATE SET
          n = CASE WHEN sl.expires_at <= EXCLUDED.expires_at - $3 THEN 1 ELSE sl.n + 1 END,
          expires_at = EXCLUDED.expires_at
        WHERE sl.expires_at <= EXCLUDED.expires_at - $3 OR sl.n < $2::int
        RETURNING n`, [key, limit, ttlMs]);
      return r.rowCount === 1;
    },
    async release(key) {
      await q('release', 'release', `UPDATE ${S}.slots SET n = n - 1 WHERE key = $1 AND n > 0 AND expires_at > ${S}.now_ms()`, [key]);
    },
  };

  const kv: KeyValue = {
    async get(key) {
      const r = await q<{ value: string }>('kv.get', 'kv_get', `SELECT value FROM ${S}.kv WHERE key = $1 AND ${LIVE}`, [key]);
      return r.rows[0]?.value;
    },
    async set(key, value, ttlMs) {
      checkOptionalTtl('kv.set', ttlMs);
      await q('kv.set', 'kv_set', `
        INSERT INTO ${S}.kv (key, value, expires_at) VALUES ($1, $2, ${S}.now_ms() + $3::bigint)
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at`, [key, value, ttlMs ?? null]);
    },
    async setIfAbsent(key, value, ttlMs) {
      checkOptionalTtl('kv.setIfAbsent', ttlMs);
      const r = await q('kv.setIfAbsent', 'kv_setnx', `
        INSERT INTO ${S}.kv AS kv (key, value, expires_at) VALUES ($1, $2, ${S}.now_ms() + $3::bigint)
        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
        WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= ${S}.now_ms()`, [key, value, ttlMs ?? null]);
      return r.rowCount === 1;
    },
    async delete(key) {
      const r = await q('kv.delete', 'kv_delete', `DELETE FROM ${S}.kv WHERE key = $1 AND ${LIVE}`, [key]);
      return r.rowCount === 1;
    },
    async list(prefix, limit = 1000) {
      checkInteger('kv.list', 'limit', limit, 0);
      const r = await q<{ key: string; value: string }>('kv.list', 'kv_list', `
        SELECT key, value FROM ${S}.kv WHERE key >= $1 AND starts_with(key, $1) AND ${LIVE} ORDER BY key LIMIT $2`, [prefix, limit]);
      return r.rows.map((row): KeyValueEntry => ({ key: row.key, value: row.value }));
    },
  };

  /** WHERE clause and values for a filter; `where` becomes one jsonb containment, exact on scalars. */
  const filter = (stream: string, f: RecordFilter | undefined): { sql: string; values: unknown[]; shape: string } => {
    const values: unknown[] = [stream];
    let sql = 'stream = $1';
    let shape = '';
    const add = (cond: string, value: unknown, mark: string): void => {
      values.push(value);
      sql += ` AND ${cond.replace('?', `$${values.length}`)}`;
      shape += mark;
    };
    if (f?.since !== undefined) add('ts >= ?', f.since, 's');
    if (f?.until !== undefined) add('ts < ?', f.until, 'u');
    if (f?.where !== undefined) add('data @> ?::jsonb', JSON.stringify(f.where), 'w');
    return { sql, values, shape };
  };

  /** One statement: atomic, one round trip, ids drawn in array order. */
  const insertJson = async (stream: string, json: readonly string[]): Promise<string[]> => {
    if (json.length === 0) return [];
    const r = await q<{ id: string }>('records.appendMany', 'append_many', `
      INSERT INTO ${S}.records (stream, data)
      SELECT $1, d FROM unnest($2::jsonb[]) WITH ORDINALITY AS u(d, i) ORDER BY i
      RETURNING id::text`, [stream, json]);
    return r.rows.map((row) => row.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  };

  const records: Records = {
    async append(stream, record) {
      const json = recordJson(stream, record);
      const r = await q<{ id: string }>('records.append', 'append', `INSERT INTO ${S}.records (stream, data) VALUES ($1, $2::jsonb) RETURNING id::text`, [stream, json]);
      return (r.rows[0] as { id: string }).id;
    },
    async appendMany(stream, list) {
      checkRecord(stream, {});
      return insertJson(stream, list.map((rec) => recordJson(stream, rec)));
    },
    async appendManyJson(stream, texts) {
      checkRecordJson(stream, texts);
      return insertJson(stream, texts);
    },
    async query(stream, query) {
      const limit = checkQuery(stream, query);
      const order = query?.order === 'desc' ? 'DESC' : 'ASC';
      const f = filter(stream, query);
      f.values.push(limit);
      const r = await q<{ id: string; ts: number; data: Record<string, unknown> }>('records.query', `query_${order}_${f.shape}`,
        // r.id, not id: a bare name in ORDER BY means the output column, here the text id::text,
        // which would sort '997' after '1200'.
        `SELECT r.id::text AS id, r.ts::float8 AS ts, r.data FROM ${S}.records r WHERE ${f.sql} ORDER BY r.id ${order} LIMIT $${f.values.length}`, f.values);
      return r.rows.map((row): StoredRecord => ({ id: row.id, ts: row.ts, data: row.data }));
    },
    async count(stream, fl) {
      checkQuery(stream, fl);
      const f = filter(stream, fl);
      const r = await q<{ n: number }>('records.count', `count_${f.shape}`, `SELECT count(*)::float8 AS n FROM ${S}.records WHERE ${f.sql}`, f.values);
      return (r.rows[0] as { n: number }).n;
    },
    async trim(stream, rule) {
      checkTrim(stream, rule);
      // Batches keep each statement short: under the statement timeout, and a short row lock.
      const batches = async (name: string, where: string, bound: number | string): Promise<number> => {
        let total = 0;
        for (;;) {
          const r = await q('records.trim', name, `
            DELETE FROM ${S}.records WHERE id IN (SELECT id FROM ${S}.records WHERE stream = $1 AND ${where} ORDER BY id LIMIT $3)`, [stream, bound, TRIM_BATCH]);
          total += r.rowCount ?? 0;
          if ((r.rowCount ?? 0) < TRIM_BATCH) return total;
        }
      };
      let deleted = 0;
      if (rule.before !== undefined) deleted += await batches('trim_older', 'ts < $2', Math.ceil(rule.before));
      if (rule.keep !== undefined) {
        const r = await q<{ id: string }>('records.trim', 'trim_newest', `SELECT r.id::text AS id FROM ${S}.records r WHERE stream = $1 ORDER BY r.id DESC OFFSET $2 LIMIT 1`, [stream, rule.keep]);
        const last = r.rows[0]?.id;
        if (last !== undefined) deleted += await batches('trim_up_to', 'id <= $2::bigint', last);
      }
      return deleted;
    },
  };

  const pubsub = new PostgresPubSub(pool, clientConfig, `gh_${schema}`);
  const sweepTimer = setInterval(() => {
    if (closed) return;
    void pool
      .query(`DELETE FROM ${S}.counters WHERE expires_at <= ${S}.now_ms(); DELETE FROM ${S}.slots WHERE expires_at <= ${S}.now_ms() OR n <= 0;
              DELETE FROM ${S}.gcra WHERE tat <= ${S}.now_ms(); DELETE FROM ${S}.kv WHERE expires_at <= ${S}.now_ms();`)
      .catch(() => undefined); // housekeeping: an outage just skips a round
  }, 60_000);
  sweepTimer.unref();

  return {
    counters,
    kv,
    records,
    pubsub,
    async health(): Promise<StoreHealth> {
      if (closed) return { ok: false, detail: 'postgres store is closed' };
      try {
        await ready();
        await pool.query('SELECT 1');
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: `postgres: ${(err as Error).message}` };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(sweepTimer);
      await pubsub.close();
      await pool.end().catch(() => undefined);
    },
  };
}
