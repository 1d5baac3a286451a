import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreInputError } from '../errors.js';
import { runStoreContract } from '../testing/contract.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import { createPostgresStore } from './postgres-store.js';

const url = process.env['GH_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
const freshSchema = (): string => {
  const s = `gh_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  schemas.push(s);
  return s;
};

afterAll(async () => {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  await c.end();
});

const contractSchema = freshSchema();
runStoreContract('postgres', () => createPostgresStore({ url, schema: contractSchema, commandTimeoutMs: 2000 }));

describe('postgres store', () => {
  it('applies each migration once, even when several gateways start together', async () => {
    const schema = freshSchema();
    const stores = await Promise.all([1, 2, 3].map(() => createPostgresStore({ url, schema, commandTimeoutMs: 5000 })));
    for (const s of stores) expect(await s.health()).toEqual({ ok: true });
    await Promise.all(stores.map((s) => s.close()));
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query(`SELECT version FROM "${schema}".schema_migrations ORDER BY version`);
    await c.end();
    expect(rows).toEqual(POSTGRES_MIGRATIONS.map((m) => ({ version: m.version })));
  });

  it('refuses a schema name that would need quoting', async () => {
    await expect(createPostgresStore({ url, schema: 'x"; DROP TABLE y; --' })).rejects.toBeInstanceOf(StoreInputError);
  });
});
