import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { BufferedRecords } from './buffered-records.js';
import { StoreInputError, StoreUnavailableError } from './errors.js';
import { createMemoryStore } from './memory/memory-store.js';
import { createPostgresStore } from './postgres/postgres-store.js';
import { startTcpProxy } from './testing/tcp-proxy.js';

const url = process.env['GH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `gh_test_buf_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

afterAll(async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});

describe('BufferedRecords', () => {
  it('keeps records through a PostgreSQL outage and stores them, in order, once it is back', async () => {
    const proxy = await startTcpProxy(5432);
    const store = await createPostgresStore({ url: `postgres://postgres@127.0.0.1:${proxy.port}/test`, schema, commandTimeoutMs: 1000 });
    const errors: unknown[] = [];
    const buf = new BufferedRecords(store.records, { flushIntervalMs: 20, maxRetryDelayMs: 100, onError: (e) => errors.push(e) });

    for (let i = 1; i <= 3; i++) expect(buf.add('audit', { i })).toBe(true);
    await buf.flush();
    expect(buf.stats()).toMatchObject({ pending: 0, flushed: 3 });

    await proxy.stop();
    for (let i = 4; i <= 8; i++) expect(buf.add('audit', { i })).toBe(true);
    await expect(buf.flush()).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(buf.stats()).toMatchObject({ pending: 5, dropped: 0 });
    expect(buf.stats().failures).toBeGreaterThan(0);
    expect(errors[0]).toBeInstanceOf(StoreUnavailableError);

    await proxy.start();
    // No flush() call: the background retry alone must deliver them.
    await expect.poll(() => buf.stats().pending, { timeout: 10_000, interval: 50 }).toBe(0);
    const rows = await store.records.query('audit');
    expect(rows.map((r) => r.data['i'])).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    await buf.close();
    await store.close();
    await proxy.stop();
  });

  it('drops and counts records beyond its capacity, and flushes what it accepted', async () => {
    const store = createMemoryStore();
    const buf = new BufferedRecords(store.records, { capacity: 3, flushIntervalMs: 60_000 });
    const accepted = [1, 2, 3, 4, 5].map((i) => buf.add('s', { i }));
    expect(accepted).toEqual([true, true, true, false, false]);
    expect(buf.stats()).toEqual({ pending: 3, dropped: 2, flushed: 0, failures: 0 });
    await buf.close();
    expect((await store.records.query('s')).map((r) => r.data['i'])).toEqual([1, 2, 3]);
    expect(buf.add('s', { i: 6 })).toBe(false);
    await store.close();
  });

  it('flushes in batches of batchSize, keeping order across streams', async () => {
    const store = createMemoryStore();
    const buf = new BufferedRecords(store.records, { batchSize: 2, flushIntervalMs: 60_000 });
    buf.add('a', { n: 1 });
    buf.add('b', { n: 2 });
    buf.add('a', { n: 3 });
    buf.add('a', { n: 4 });
    // A full batch starts a flush without waiting for the interval.
    await expect.poll(() => buf.stats().pending, { timeout: 2000 }).toBe(0);
    expect((await buf.query('a')).map((r) => r.data['n'])).toEqual([1, 3, 4]);
    expect(await buf.count('b')).toBe(1);
    await buf.close();
    await store.close();
  });

  it('takes a snapshot on add and refuses a record that is not an object', async () => {
    const store = createMemoryStore();
    const buf = new BufferedRecords(store.records);
    const rec = { v: 'before' };
    buf.add('s', rec);
    rec.v = 'after';
    expect(() => buf.add('s', 'text' as unknown as object)).toThrow(StoreInputError);
    await buf.close();
    expect((await store.records.query('s')).map((r) => r.data)).toEqual([{ v: 'before' }]);
    await store.close();
  });
});
