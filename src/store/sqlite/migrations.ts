import type Database from 'better-sqlite3';

/**
 * Numbered, append-only schema changes. Never edit a released entry: add a new one. Each runs
 * once, in order, inside the same transaction that records it in `schema_migrations`.
 */
export const SQLITE_MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: string }[] = [
  {
    version: 1,
    name: 'counters, gcra, slots, kv, records',
    sql: `
      CREATE TABLE counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE gcra (key TEXT PRIMARY KEY, tat REAL NOT NULL) WITHOUT ROWID;
      CREATE TABLE slots (key TEXT PRIMARY KEY, n INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER) WITHOUT ROWID;
      -- AUTOINCREMENT: ids are never reused, even after the newest rows are deleted.
      CREATE TABLE records (id INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT NOT NULL, ts INTEGER NOT NULL, data TEXT NOT NULL);
      CREATE INDEX records_stream_ts ON records (stream, ts, id);
    `,
  },
  {
    version: 2,
    name: 'records in insertion order',
    // Records are read in id order: a wall clock can step back (NTP in a VM) and ts with it.
    sql: 'CREATE INDEX records_stream_id ON records (stream, id);',
  },
];

/** Applies the migrations the database has not seen yet. Safe to run on every start, from several processes. */
export function migrateSqlite(db: Database.Database): number[] {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied: number[] = [];
  // IMMEDIATE takes the write lock first, so two processes starting together cannot both apply a step.
  db.transaction(() => {
    const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of SQLITE_MIGRATIONS) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
      applied.push(m.version);
    }
  }).immediate();
  return applied;
}
