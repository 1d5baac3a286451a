import { describe, expect, it } from 'vitest';
import { evictOldest } from '../../src/anomaly/window.js';

describe('capped learned state', () => {
  it('makes room by dropping the oldest tenth, keeping what was learned about everyone else', () => {
    const known = new Map<string, number>();
    for (let i = 0; i < 100; i++) known.set(`caller-${i}`, i);
    evictOldest(known, 100);
    expect(known.size).toBe(90);
    expect(known.has('caller-0')).toBe(false);
    expect(known.has('caller-9')).toBe(false);
    expect(known.get('caller-10')).toBe(10);
    expect(known.get('caller-99')).toBe(99);
    const seen = new Set(['a', 'b', 'c']);
    evictOldest(seen, 3);
    expect([...seen]).toEqual(['b', 'c']);
  });
});
