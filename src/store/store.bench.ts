import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { createMemoryStore } from './memory/memory-store.js';
import type { Store } from './ports.js';
import { createRedisStore } from './redis/redis-store.js';

/*
 * Hot-path cost of a rate-limit decision: `npx vitest bench --run src/store`.
 * Sequential calls: latency per decision, not the throughput of many concurrent ones.
 */
const o = { emissionIntervalMs: 10, burst: 1_000_000 };
let memory: Store;
let redis: Store;
let i = 0;

beforeAll(async () => {
  memory = createMemoryStore();
  redis = await createRedisStore({ url: process.env['GH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379', prefix: `gh:bench:${randomUUID()}:` });
});
afterAll(async () => {
  await memory.close();
  await redis.close();
});

describe('gcra', () => {
  bench('memory, 1000 keys', async () => {
    await memory.counters.gcra(`k${i++ % 1000}`, o);
  });
  bench('redis (Lua, one round trip), 1000 keys', async () => {
    await redis.counters.gcra(`k${i++ % 1000}`, o);
  });
});
