import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory/memory-store.js';
import { DEFAULT_RETENTION, normalizeRetention, RetentionJob, type RetentionTarget } from './retention.js';

const logger = pino({ level: 'silent' });

describe('retention', () => {
  it('trims each stream to its own bounds and leaves the others alone', async () => {
    let now = 1_000_000;
    const store = createMemoryStore({ now: () => now });
    for (const stream of ['inventory', 'identity-decisions', 'alerts', 'audit.revocations']) {
      await store.records.appendMany(stream, Array.from({ length: 10 }, (_, i) => ({ i })));
    }
    now += 60_000;
    for (const stream of ['inventory', 'identity-decisions']) await store.records.appendMany(stream, [{ i: 'new' }]);
    const targets: RetentionTarget[] = [
      { stream: 'inventory', maxAgeMs: 30_000, maxRecords: undefined },
      { stream: 'identity-decisions', maxAgeMs: undefined, maxRecords: 4 },
      { stream: 'alerts', maxAgeMs: undefined, maxRecords: undefined },
    ];
    const trimmed: Record<string, number> = {};
    const job = new RetentionJob(store, targets, 60_000, { logger, now: () => now, onTrimmed: (s, n) => { trimmed[s] = (trimmed[s] ?? 0) + n; } });
    expect(await job.runOnce()).toEqual({ inventory: 10, 'identity-decisions': 7 });
    expect(trimmed).toEqual({ inventory: 10, 'identity-decisions': 7 });
    expect((await store.records.query('inventory')).map((r) => r.data['i'])).toEqual(['new']);
    expect(await store.records.count('identity-decisions')).toBe(4);
    expect(await store.records.count('alerts')).toBe(10);
    expect(await store.records.count('audit.revocations')).toBe(10);
    await store.close();
  });

  it('lets one gateway of those sharing a store trim per interval', async () => {
    const store = createMemoryStore();
    const targets: RetentionTarget[] = [{ stream: 's', maxAgeMs: undefined, maxRecords: 1 }];
    const a = new RetentionJob(store, targets, 3_600_000, { logger });
    const b = new RetentionJob(store, targets, 3_600_000, { logger });
    const turns = await Promise.all([a.runIfTurn(), b.runIfTurn(), a.runIfTurn()]);
    expect(turns.filter(Boolean)).toHaveLength(1);
    await store.close();
  });

  it('reports a store that cannot trim, and keeps going', async () => {
    const store = createMemoryStore();
    await store.close();
    const failures: string[] = [];
    const job = new RetentionJob(store, [{ stream: 'inventory', maxAgeMs: 1000, maxRecords: undefined }], 60_000, { logger, onFailure: (s) => failures.push(s) });
    expect(await job.runOnce()).toEqual({});
    expect(failures).toEqual(['inventory']);
  });

  it('reads its configuration with defaults, and 0 as no bound', () => {
    expect(normalizeRetention(undefined)).toEqual(DEFAULT_RETENTION);
    expect(normalizeRetention({ inventory: { maxAge: '7d', maxRecords: 0 }, alerts: { maxAge: 0 }, interval: '1m' })).toEqual({
      inventory: { maxAgeMs: 7 * 86_400_000, maxRecords: undefined },
      decisions: DEFAULT_RETENTION.decisions,
      alerts: { maxAgeMs: undefined, maxRecords: DEFAULT_RETENTION.alerts.maxRecords },
      reports: DEFAULT_RETENTION.reports,
      reloads: DEFAULT_RETENTION.reloads,
      intervalMs: 60_000,
    });
  });
});
