import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { RELOAD_STREAM, recordVersion, refusedVersion } from '../admin/reloads.js';
import { parseConfig } from '../config/index.js';
import { createMemoryStore } from '../store/memory/memory-store.js';
import { DEFAULT_RETENTION, RetentionJob } from '../store/retention.js';
import { retentionTargets } from './retention.js';

const DAY = 86_400_000;
const spec = fileURLToPath(new URL('../../test/inventory/fixtures/shop.yaml', import.meta.url));

async function config(retention: string): Promise<Parameters<typeof retentionTargets>[0]> {
  return parseConfig([
    'version: "1"', 'store: { memory: {} }', retention,
    'apis:', '  - name: shop', `    spec: ${spec}`, '    upstream: { url: "http://127.0.0.1:9" }',
  ].join('\n'), '/tmp/gatehouse.yaml');
}

describe('retention of the reload history (admin.reloads)', () => {
  it('is bounded by default, a year and 10 000 records', async () => {
    const target = retentionTargets(await config('')).find((t) => t.stream === RELOAD_STREAM);
    expect(target).toEqual({ stream: RELOAD_STREAM, ...DEFAULT_RETENTION.reloads });
    expect(DEFAULT_RETENTION.reloads).toEqual({ maxAgeMs: 365 * DAY, maxRecords: 10_000 });
  });

  it('deletes reload records older than retention.reloads.maxAge and all but the newest maxRecords', async () => {
    let now = Date.now() - 3 * DAY;
    const store = createMemoryStore({ now: () => now });
    // Two reloads three days ago, then four today (one refused): a 1-day age bound drops the first
    // two, a 3-record bound the oldest of today's.
    for (let i = 0; i < 2; i++) await recordVersion(store, refusedVersion([`old ${i}`], now, []));
    now = Date.now();
    for (let i = 0; i < 4; i++) await recordVersion(store, refusedVersion([`new ${i}`], now, []));
    const job = new RetentionJob(store, retentionTargets(await config('retention: { reloads: { maxAge: 1d, maxRecords: 3 } }')), 60_000, { logger: pino({ level: 'silent' }) });
    expect((await job.runOnce())[RELOAD_STREAM]).toBe(3);
    const left = await store.records.query(RELOAD_STREAM, { order: 'asc' });
    expect(left.map((r) => (r.data['errors'] as string[])[0]?.trim())).toEqual(['new 1', 'new 2', 'new 3']);
    await store.close();
  });

  it('keeps every reload record with both bounds lifted (0)', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 5; i++) await recordVersion(store, refusedVersion([`r ${i}`], Date.now(), []));
    const job = new RetentionJob(store, retentionTargets(await config('retention: { reloads: { maxAge: 0, maxRecords: 0 } }')), 60_000, { logger: pino({ level: 'silent' }) });
    expect((await job.runOnce())[RELOAD_STREAM]).toBeUndefined();
    expect(await store.records.count(RELOAD_STREAM)).toBe(5);
    await store.close();
  });
});
