import { StoreInputError } from './errors.js';
import { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
import type { Store, StoreHealth } from './ports.js';
import { createPostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
import { createSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';

export type * from './ports.js';
export { StoreInputError, StoreUnavailableError } from './errors.js';
export { BufferedRecords, type BufferedRecordsOptions, type BufferedRecordsStats } from './buffered-records.js';
export { createMemoryStore, type MemoryStoreOptions } from './memory/memory-store.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { createRedisStore, type RedisStoreOptions } from './redis/redis-store.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';

export type StoreConfig =
  | { readonly memory: MemoryStoreOptions }
  | { readonly sqlite: SqliteStoreOptions }
  | { readonly redis: RedisStoreOptions }
  | { readonly postgres: PostgresStoreOptions }
  /** The cluster layout: shared counters, kv and pub/sub in Redis; records (the control store) in PostgreSQL. */
  | { readonly cluster: { readonly redis: RedisStoreOptions; readonly postgres: PostgresStoreOptions } };

/** Opens the store a config names. Network engines resolve even when their service is down (see health()). */
export async function createStore(config: StoreConfig): Promise<Store> {
  if ('memory' in config) return createMemoryStore(config.memory);
  if ('sqlite' in config) return createSqliteStore(config.sqlite);
  if ('redis' in config) return createRedisStore(config.redis);
  if ('postgres' in config) return createPostgresStore(config.postgres);
  if ('cluster' in config) {
    const [fast, control] = await Promise.all([createRedisStore(config.cluster.redis), createPostgresStore(config.cluster.postgres)]);
    return composeStore({ counters: fast, kv: fast, pubsub: fast, records: control });
  }
  throw new StoreInputError('store', 'expected one of memory, sqlite, redis, postgres or cluster');
}

/** A store whose ports come from different engines; health and close cover every engine used. */
export function composeStore(parts: { counters: Store; kv: Store; pubsub: Store; records: Store }): Store {
  const engines = [...new Set([parts.counters, parts.kv, parts.pubsub, parts.records])];
  return {
    counters: parts.counters.counters,
    kv: parts.kv.kv,
    records: parts.records.records,
    pubsub: parts.pubsub.pubsub,
    async health(): Promise<StoreHealth> {
      const all = await Promise.all(engines.map((e) => e.health()));
      const bad = all.filter((h) => !h.ok);
      return bad.length === 0 ? { ok: true } : { ok: false, detail: bad.map((h) => h.detail ?? 'unavailable').join('; ') };
    },
    async close() {
      await Promise.all(engines.map((e) => e.close()));
    },
  };
}
