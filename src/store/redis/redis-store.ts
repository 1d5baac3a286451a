import type { Redis } from 'ioredis';
import { checkBy, checkGcra, checkInteger, checkOptionalTtl, checkTtl } from '../check.js';
import type { Counters, GcraOptions, GcraResult, KeyValue, KeyValueEntry, Store, StoreHealth } from '../ports.js';
import { firstConnect, globEscape, openRedis, wrap, type RedisConnectionOptions } from './connection.js';
import { RedisPubSub } from './pubsub.js';
import { redisRecords } from './records.js';
import { ACQUIRE, GCRA, INCREMENT, RELEASE } from './scripts.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Namespace for every key and channel, e.g. `gh:prod:`. Default `gh:`. */
  readonly prefix?: string;
}

interface Scripts {
  ghIncr(key: string, by: number, ttlMs: number): Promise<number>;
  ghGcra(key: string, interval: number, burst: number, cost: number, now: number): Promise<[number, number, number, number]>;
  ghAcquire(key: string, limit: number, ttlMs: number): Promise<number>;
  ghRelease(key: string): Promise<number>;
}

/**
 * Shared store for a gateway cluster. Resolves even when Redis is down (after one bounded
 * connect attempt), so a gateway configured to fail open can start; every call then rejects
 * promptly with StoreUnavailableError until the background reconnect succeeds.
 */
export async function createRedisStore(options: RedisStoreOptions): Promise<Store> {
  const prefix = options.prefix ?? 'gh:';
  const redis = openRedis(options);
  let lastError: string | undefined;
  redis.on('error', (err: Error) => {
    lastError = err.message;
  });
  redis.defineCommand('ghIncr', { numberOfKeys: 1, lua: INCREMENT });
  redis.defineCommand('ghGcra', { numberOfKeys: 1, lua: GCRA });
  redis.defineCommand('ghAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  redis.defineCommand('ghRelease', { numberOfKeys: 1, lua: RELEASE });
  const scripts = redis as Redis & Scripts;
  const connectLimitMs = (options.connectTimeoutMs ?? 500) + (options.commandTimeoutMs ?? 500);
  await firstConnect(redis, connectLimitMs);

  const c = (k: string): string => `${prefix}c:${k}`;
  const g = (k: string): string => `${prefix}g:${k}`;
  const sl = (k: string): string => `${prefix}s:${k}`;
  const kvPrefix = `${prefix}kv:`;

  const counters: Counters = {
    async increment(key, by, ttlMs) {
      checkTtl('counters.increment', ttlMs);
      checkBy(by);
      try {
        return await scripts.ghIncr(c(key), by, ttlMs);
      } catch (err) {
        return wrap('increment', err);
      }
    },
    async get(key) {
      try {
        const v = await redis.get(c(key));
        return v === null ? 0 : Number(v);
      } catch (err) {
        return wrap('get', err);
      }
    },
    async reset(key) {
      try {
        await redis.del(c(key));
      } catch (err) {
        wrap('reset', err);
      }
    },
    async gcra(key: string, o: GcraOptions): Promise<GcraResult> {
      checkGcra(o);
      let r: [number, number, number, number];
      try {
        r = await scripts.ghGcra(g(key), o.emissionIntervalMs, o.burst, o.cost ?? 1, o.nowMs ?? -1);
      } catch (err) {
        return wrap('gcra', err);
      }
      return { allowed: r[0] === 1, remaining: r[1], retryAfterMs: r[2], resetAfterMs: r[3] };
    },
    async acquire(key, limit, ttlMs) {
      checkInteger('counters.acquire', 'limit', limit, 0);
      checkTtl('counters.acquire', ttlMs);
      try {
        return (await scripts.ghAcquire(sl(key), limit, ttlMs)) === 1;
      } catch (err) {
        return wrap('acquire', err);
      }
    },
    async release(key) {
      try {
        await scripts.ghRelease(sl(key));
      } catch (err) {
        wrap('release', err);
      }
    },
  };

  const kv: KeyValue = {
    async get(key) {
      try {
        return (await redis.get(kvPrefix + key)) ?? undefined;
      } catch (err) {
        return wrap('kv.get', err);
      }
    },
    async set(key, value, ttlMs) {
      checkOptionalTtl('kv.set', ttlMs);
      try {
        // A plain SET clears any previous TTL, which is the documented behaviour.
        if (ttlMs === undefined) await redis.set(kvPrefix + key, value);
        else await redis.set(kvPrefix + key, value, 'PX', ttlMs);
      } catch (err) {
        wrap('kv.set', err);
      }
    },
    async setIfAbsent(key, value, ttlMs) {
      checkOptionalTtl('kv.setIfAbsent', ttlMs);
      try {
        const r = ttlMs === undefined ? await redis.set(kvPrefix + key, value, 'NX') : await redis.set(kvPrefix + key, value, 'PX', ttlMs, 'NX');
        return r === 'OK';
      } catch (err) {
        return wrap('kv.setIfAbsent', err);
      }
    },
    async delete(key) {
      try {
        return (await redis.del(kvPrefix + key)) === 1;
      } catch (err) {
        return wrap('kv.delete', err);
      }
    },
    async list(prefix, limit = 1000) {
      checkInteger('kv.list', 'limit', limit, 0);
      try {
        // SCAN does not block Redis the way KEYS would; the full match set is sorted here.
        const keys = new Set<string>();
        let cursor = '0';
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(kvPrefix + prefix)}*`, 'COUNT', 1000);
          cursor = next;
          for (const k of batch) keys.add(k);
        } while (cursor !== '0');
        const wanted = [...keys].sort().slice(0, limit);
        if (wanted.length === 0) return [];
        const values = await redis.mget(...wanted);
        const out: KeyValueEntry[] = [];
        wanted.forEach((k, i) => {
          const v = values[i];
          if (v !== null && v !== undefined) out.push({ key: k.slice(kvPrefix.length), value: v });
        });
        return out;
      } catch (err) {
        return wrap('kv.list', err);
      }
    },
  };

  const pubsub = new RedisPubSub(redis, `${prefix}ps:`, connectLimitMs);
  let closed = false;
  return {
    counters,
    kv,
    records: redisRecords(redis, prefix),
    pubsub,
    async health(): Promise<StoreHealth> {
      if (closed) return { ok: false, detail: 'redis store is closed' };
      try {
        await redis.ping();
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: `redis: ${lastError ?? (err as Error).message}` };
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pubsub.close();
      try {
        await redis.quit();
      } catch {
        redis.disconnect();
      }
    },
  };
}
