import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, StoreInputError, type StoreConfig } from './index.js';
import { runStoreContract } from './testing/contract.js';

const redisUrl = process.env['GH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const pgUrl = process.env['GH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `gh_test_cluster_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

afterAll(async () => {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});

// Command timeouts above the defaults: the contract is about results, and a shared machine can
// keep a reply waiting past the production fail-fast limit.
runStoreContract('cluster (redis + postgres)', () =>
  createStore({ cluster: { redis: { url: redisUrl, prefix: `gh:test:${randomUUID()}:`, commandTimeoutMs: 5000 }, postgres: { url: pgUrl, schema, commandTimeoutMs: 5000 } } }),
);

describe('createStore', () => {
  it('opens the engine a config names', async () => {
    const store = await createStore({ memory: {} });
    await store.kv.set('k', 'v');
    expect(await store.kv.get('k')).toBe('v');
    await store.close();
  });

  it('refuses a config that names no engine', async () => {
    await expect(createStore({ mongo: {} } as unknown as StoreConfig)).rejects.toBeInstanceOf(StoreInputError);
  });

  it('reports the cluster unhealthy, naming the engine, when one of its services is down', async () => {
    const store = await createStore({
      cluster: { redis: { url: redisUrl, prefix: `gh:test:${randomUUID()}:` }, postgres: { url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 200 } },
    });
    const h = await store.health();
    expect(h.ok).toBe(false);
    expect(h.detail).toMatch(/^postgres:/);
    await store.close();
  });
});
