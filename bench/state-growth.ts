/**
 * How much state anonymous traffic leaves behind: a gateway with unmatched traffic passed through
 * gets N requests, each for a new letters-only path (the cheapest way to make a new inventory
 * row), with no credentials. Reports the heap and, on SQLite, the database growth per request
 * (the file after a WAL checkpoint), with the recording as configured by default and with the
 * shadow-row cap lifted (what every version before the cap did). Bounded: N requests
 * (STATE_REQUESTS, default 20 000) per variant and store, then it stops. Needs --expose-gc
 * (`npm run bench -- state` passes it).
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { Pool } from 'undici';
import { parseConfig } from '../src/config/index.js';
import { Gateway } from '../src/gateway/gateway.js';
import { INVENTORY_STREAM } from '../src/inventory/rows.js';

const SPEC = fileURLToPath(new URL('../../bench/fixtures/bench-api.yaml', import.meta.url));

/** A new letters-only path segment for every i. */
function word(i: number): string {
  let s = '';
  for (let n = i + 26 ** 3; n > 0; n = Math.floor(n / 26)) s += String.fromCharCode(97 + (n % 26));
  return s;
}

function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 3; i++) collect();
}

/** The database file's size once the WAL is checkpointed into it: the WAL's own size is reused space, not growth. */
function sqliteBytes(file: string): number {
  const db = new Database(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return statSync(file).size;
}

interface Figures { heapPerRequest: number; sqlitePerRequest: number | undefined; records: number; rows: number }

async function measure(store: 'memory' | 'sqlite', capped: boolean, n: number, upstreamPort: number): Promise<Figures> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gh-state-'));
  const db = path.join(dir, 'gh.db');
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    store === 'memory' ? 'store: { memory: {} }' : `store: { sqlite: { path: ${db} } }`,
    `inventory: { flushInterval: 250ms${capped ? '' : ', maxShadowPaths: 100000'} }`,
    'apis:',
    '  - name: items',
    `    spec: ${SPEC}`,
    `    upstream: { url: "http://127.0.0.1:${upstreamPort}" }`,
    '    unmatched: passthrough',
  ].join('\n');
  const gateway = await Gateway.start(await parseConfig(yaml, path.join(dir, 'gatehouse.yaml')), { logger: pino({ level: 'silent' }) });
  const pool = new Pool(gateway.httpUrl, { connections: 16, pipelining: 1 });
  const send = async (from: number, to: number): Promise<void> => {
    let next = from;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < to) {
        const i = next++;
        const res = await pool.request({ path: `/${word(i)}`, method: 'GET' });
        await res.body.dump();
      }
    }));
    await gateway.monitoring?.flush();
  };
  try {
    await send(0, 2000); // warm-up: JIT, pools, first rows
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const disk0 = store === 'sqlite' ? sqliteBytes(db) : 0;
    const records0 = await gateway.services.store.records.count(INVENTORY_STREAM);
    await send(2000, 2000 + n);
    gc();
    const heap1 = process.memoryUsage().heapUsed;
    const records = await gateway.services.store.records.count(INVENTORY_STREAM);
    const rows = new Set((await gateway.services.store.records.query(INVENTORY_STREAM, { limit: 10_000, order: 'desc' })).map((r) => `${String(r.data.method)} ${String(r.data.path)}`)).size;
    return {
      heapPerRequest: (heap1 - heap0) / n,
      sqlitePerRequest: store === 'sqlite' ? (sqliteBytes(db) - disk0) / n : undefined,
      records: records - records0,
      rows,
    };
  } finally {
    await pool.close();
    await gateway.close({ drainDelayMs: 0 });
    await rm(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const n = Number(process.env.STATE_REQUESTS ?? 20_000);
  const upstream = createServer((req, res) => { req.resume(); res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); res.end('{}'); });
  upstream.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  console.log(`${n} anonymous requests, each for a new unmatched letters-only path (unmatched: passthrough)`);
  try {
    for (const store of ['memory', 'sqlite'] as const) {
      for (const capped of [false, true]) {
        const f = await measure(store, capped, n, port);
        const label = `${store.padEnd(6)} ${capped ? 'default (maxShadowPaths 1000)' : 'no cap (as before)          '}`;
        console.log(`  ${label}  heap ${f.heapPerRequest.toFixed(0).padStart(6)} B/request` +
          `${f.sqlitePerRequest === undefined ? '' : `  sqlite ${f.sqlitePerRequest.toFixed(0).padStart(5)} B/request`}` +
          `  inventory records +${f.records}  distinct rows in the last 10 000 records ${f.rows}`);
      }
    }
  } finally {
    upstream.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
