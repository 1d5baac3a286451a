import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runStoreContract } from '../testing/contract.js';
import { SQLITE_MIGRATIONS } from './migrations.js';
import { createSqliteStore } from './sqlite-store.js';

const dir = mkdtempSync(join(tmpdir(), 'gh-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite', async () => createSqliteStore({ path: join(dir, 'contract.db') }));

describe('sqlite store', () => {
  it('opens in WAL mode and applies each migration once across reopenings', async () => {
    const path = join(dir, 'migrate.db');
    await createSqliteStore({ path }).close();
    const again = createSqliteStore({ path });
    await again.kv.set('k', 'v');
    await again.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all();
    expect(rows).toEqual(SQLITE_MIGRATIONS.map((m) => ({ version: m.version })));
    db.close();
  });

  it('keeps data across a restart', async () => {
    const path = join(dir, 'durable.db');
    const a = createSqliteStore({ path });
    await a.records.append('audit', { who: 'alice' });
    await a.kv.set('key', 'value');
    await a.close();
    const b = createSqliteStore({ path });
    expect((await b.records.query('audit')).map((r) => r.data)).toEqual([{ who: 'alice' }]);
    expect(await b.kv.get('key')).toBe('value');
    await b.close();
  });

  it('sweeps expired rows of every kind', async () => {
    const path = join(dir, 'sweep.db');
    let t = 1_000_000;
    const store = createSqliteStore({ path, now: () => t, sweepIntervalMs: 10 });
    await store.kv.set('gone', 'v', 50);
    await store.kv.set('kept', 'v');
    await store.counters.increment('c', 1, 50);
    await store.counters.acquire('s', 1, 50);
    await store.counters.gcra('g', { emissionIntervalMs: 50, burst: 1 });
    t += 100;
    const db = new Database(path, { readonly: true });
    const rows = (): number[] => ['kv', 'counters', 'slots', 'gcra'].map((tb) => (db.prepare(`SELECT count(*) AS n FROM ${tb}`).get() as { n: number }).n);
    await expect.poll(rows, { timeout: 2000 }).toEqual([1, 0, 0, 0]);
    db.close();
    await store.close();
  });

  it('refuses a path it cannot open with StoreUnavailableError', () => {
    writeFileSync(join(dir, 'a-file'), 'not a folder');
    expect(() => createSqliteStore({ path: join(dir, 'a-file', 'x.db') })).toThrow(/GH_STORE_UNAVAILABLE|sqlite store/);
  });

  it('creates the folder of a new database file', async () => {
    const store = createSqliteStore({ path: join(dir, 'new', 'nested', 'x.db') });
    await store.kv.set('k', 'v');
    expect(await store.kv.get('k')).toBe('v');
    await store.close();
  });
});
