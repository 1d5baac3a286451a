import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../errors.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { runStoreContract } from '../testing/contract.js';
import { createRedisStore } from './redis-store.js';

const url = process.env['GH_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

runStoreContract('redis', () => createRedisStore({ url, prefix: `gh:test:${randomUUID()}:` }));

/** A port nothing listens on: bound, then closed again. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('redis store outage', () => {
  // Not timed (the machine is shared): a call that waited for Redis to come back would never
  // settle, and the test's own timeout fails it.
  it('rejects every call with StoreUnavailableError, without waiting for Redis, when Redis is unreachable', async () => {
    const port = await closedPort();
    const store = await createRedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, commandTimeoutMs: 200 });
    const calls = [
      store.counters.gcra('k', { emissionIntervalMs: 1000, burst: 1 }),
      store.counters.increment('k', 1, 1000),
      store.kv.get('k'),
      store.records.append('s', { a: 1 }),
      store.pubsub.publish('c', 'm'),
    ];
    for (const call of calls) await expect(call).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await store.health()).toMatchObject({ ok: false });
    await store.close();
  });

  it('rejects a call that gets no reply within the command timeout', async () => {
    // A server that accepts connections and never answers: the hung-Redis case.
    const sockets = new Set<import('node:net').Socket>();
    const srv = createServer((s) => sockets.add(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    const store = await createRedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200, commandTimeoutMs: 200 });
    await expect(store.kv.get('k')).rejects.toBeInstanceOf(StoreUnavailableError);
    await store.close();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it('heals by itself when Redis comes back after an outage', async () => {
    const proxy = await startTcpProxy(6379);
    const store = await createRedisStore({ url: `redis://127.0.0.1:${proxy.port}`, prefix: `gh:test:${randomUUID()}:`, commandTimeoutMs: 300 });
    expect(await store.counters.increment('k', 1, 60_000)).toBe(1);
    await proxy.stop();
    await expect(store.counters.increment('k', 1, 60_000)).rejects.toBeInstanceOf(StoreUnavailableError);
    await proxy.start();
    await expect.poll(async () => (await store.health()).ok, { timeout: 10_000, interval: 100 }).toBe(true);
    expect(await store.counters.increment('k', 1, 60_000)).toBe(2);
    await store.close();
    await proxy.stop();
  });
});
