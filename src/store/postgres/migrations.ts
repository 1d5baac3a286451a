import type { Pool } from 'pg';

/**
 * Numbered, append-only schema changes; `S` stands for the quoted schema name. Never edit a
 * released entry: add a new one. Timestamps are the server's clock in ms (`now_ms()`), so every
 * gateway of a cluster expires keys and stamps records on the same clock.
 */
export const POSTGRES_MIGRATIONS: readonly { readonly version: number; readonly name: string; readonly sql: (S: string) => string }[] = [
  {
    version: 1,
    name: 'counters, gcra, slots, kv, records',
    sql: (S) => `
      CREATE FUNCTION ${S}.now_ms() RETURNS bigint LANGUAGE sql VOLATILE
        AS $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
      CREATE TABLE ${S}.counters (key text PRIMARY KEY, value bigint NOT NULL, expires_at bigint NOT NULL);
      CREATE TABLE ${S}.gcra (key text PRIMARY KEY, tat double precision NOT NULL);
      CREATE TABLE ${S}.slots (key text PRIMARY KEY, n integer NOT NULL, expires_at bigint NOT NULL);
      -- COLLATE "C": byte order, so list() sorts keys the same way on every engine.
      CREATE TABLE ${S}.kv (key text COLLATE "C" PRIMARY KEY, value text NOT NULL, expires_at bigint);
      CREATE TABLE ${S}.records (
        id bigserial PRIMARY KEY,
        stream text NOT NULL,
        ts bigint NOT NULL DEFAULT ${S}.now_ms(),
        data jsonb NOT NULL
      );
      -- Queries are always per stream and by time; field filters (data @> ...) run on that slice.
      -- A GIN index on data would speed them up at a cost on every append of the audit trail.
      CREATE INDEX records_stream_ts ON ${S}.records (stream, ts, id);

      -- GCRA in one round trip, same arithmetic as src/store/gcra.ts. The row is created first
      -- (ON CONFLICT DO NOTHING waits for a concurrent creator), then locked FOR UPDATE, so
      -- parallel calls on one key run one after the other and none is lost.
      CREATE FUNCTION ${S}.gcra_step(p_key text, p_interval float8, p_burst float8, p_cost float8, p_now float8)
      RETURNS TABLE (allowed boolean, remaining float8, retry_after float8, reset_after float8)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_now float8;
        v_limit float8 := p_burst * p_interval;
        v_tat float8;
        v_new float8;
        v_allow_at float8;
      BEGIN
        INSERT INTO ${S}.gcra (key, tat) VALUES (p_key, 0) ON CONFLICT (key) DO NOTHING;
        SELECT g.tat INTO v_tat FROM ${S}.gcra g WHERE g.key = p_key FOR UPDATE;
        -- Read the clock only once the lock is held: a call that waited must not decide on a
        -- time earlier than the TAT its predecessor wrote.
        v_now := coalesce(p_now, ${S}.now_ms());
        IF v_tat < v_now THEN v_tat := v_now; END IF;
        v_new := v_tat + p_cost * p_interval;
        v_allow_at := v_new - v_limit;
        IF v_now < v_allow_at THEN
          RETURN QUERY SELECT false, greatest(0, floor((v_limit - (v_tat - v_now)) / p_interval + 1e-9)),
            ceil(v_allow_at - v_now), ceil(v_tat - v_now);
          RETURN;
        END IF;
        IF p_cost > 0 THEN
          UPDATE ${S}.gcra SET tat = v_new WHERE key = p_key;
        END IF;
        RETURN QUERY SELECT true, floor((v_now - v_allow_at) / p_interval + 1e-9), 0::float8, ceil(v_new - v_now);
      END $$;
    `,
  },
  {
    version: 2,
    name: 'records in insertion order',
    // Records are read in id order: a wall clock can step back (NTP in a VM) and ts with it.
    sql: (S) => `CREATE INDEX records_stream_id ON ${S}.records (stream, id);`,
  },
  {
    version: 3,
    name: 'gcra refunds (negative cost)',
    // Same as version 1 but for a negative cost, which gives tokens back (never past a full bucket):
    // a request refused by a later limit must not stay counted by an earlier one.
    sql: (S) => `
      CREATE OR REPLACE FUNCTION ${S}.gcra_step(p_key text, p_interval float8, p_burst float8, p_cost float8, p_now float8)
      RETURNS TABLE (allowed boolean, remaining float8, retry_after float8, reset_after float8)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        v_now float8;
        v_limit float8 := p_burst * p_interval;
        v_tat float8;
        v_new float8;
        v_allow_at float8;
      BEGIN
        INSERT INTO ${S}.gcra (key, tat) VALUES (p_key, 0) ON CONFLICT (key) DO NOTHING;
        SELECT g.tat INTO v_tat FROM ${S}.gcra g WHERE g.key = p_key FOR UPDATE;
        v_now := coalesce(p_now, ${S}.now_ms());
        IF v_tat < v_now THEN v_tat := v_now; END IF;
        v_new := v_tat + p_cost * p_interval;
        IF p_cost < 0 AND v_new < v_now THEN v_new := v_now; END IF;
        v_allow_at := v_new - v_limit;
        IF v_now < v_allow_at THEN
          RETURN QUERY SELECT false, greatest(0, floor((v_limit - (v_tat - v_now)) / p_interval + 1e-9)),
            ceil(v_allow_at - v_now), ceil(v_tat - v_now);
          RETURN;
        END IF;
        IF p_cost <> 0 THEN
          UPDATE ${S}.gcra SET tat = v_new WHERE key = p_key;
        END IF;
        RETURN QUERY SELECT true, floor((v_now - v_allow_at) / p_interval + 1e-9), 0::float8, ceil(v_new - v_now);
      END $$;
    `,
  },
];

/**
 * Applies the migrations the schema has not seen, in one transaction. An advisory lock keyed
 * on the schema makes gateways that start together wait for each other instead of racing.
 */
export async function migratePostgres(pool: Pool, schema: string, S: string): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('gatehouse:' || $1))", [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${S}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${S}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${S}.schema_migrations`);
    const current = rows[0]?.v ?? 0;
    for (const m of POSTGRES_MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query(m.sql(S));
      await client.query(`INSERT INTO ${S}.schema_migrations (version, name) VALUES ($1, $2)`, [m.version, m.name]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
