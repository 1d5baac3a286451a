import { describe, expect, it } from 'vitest';
import { runStoreContract } from '../testing/contract.js';
import { createMemoryStore } from './memory-store.js';

let clock = Date.now();
const now = (): number => clock;

runStoreContract('memory', async () => createMemoryStore({ now }), {
  advance: async (ms) => {
    clock += ms;
  },
});

describe('memory store', () => {
  it('sweeps expired entries that are never read again', async () => {
    let t = 1_000;
    const store = createMemoryStore({ now: () => t, sweepIntervalMs: 10 });
    for (let i = 0; i < 100; i++) await store.kv.set(`k${i}`, 'v', 50);
    await store.kv.set('forever', 'v');
    t += 100;
    await new Promise((r) => setTimeout(r, 40));
    // Only the entry without TTL is left: list() sees the map as the sweep left it.
    expect(await store.kv.list('')).toEqual([{ key: 'forever', value: 'v' }]);
    await store.close();
  });

  it('keeps at most maxRecordsPerStream records, dropping the oldest', async () => {
    const store = createMemoryStore({ maxRecordsPerStream: 3 });
    await store.records.appendMany('s', [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }]);
    expect((await store.records.query('s')).map((r) => r.data['i'])).toEqual([2, 3, 4]);
    // Well past the point where the stream is trimmed, reads still see only the newest three.
    for (let i = 5; i <= 60; i++) await store.records.append('s', { i });
    expect((await store.records.query('s')).map((r) => r.data['i'])).toEqual([58, 59, 60]);
    expect(await store.records.count('s')).toBe(3);
    await store.close();
  });
});
