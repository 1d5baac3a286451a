import { describe, expect, it } from 'vitest';
import { ExpiringLru } from './lru.js';

describe('ExpiringLru', () => {
  it('keeps an entry that is read regularly while a stream of new entries evicts the rest', () => {
    const lru = new ExpiringLru<number>(8, () => 0);
    lru.set('hot', 1, 1000);
    for (let i = 0; i < 200; i++) {
      lru.set(`cold-${i}`, i, 1000);
      expect(lru.get('hot')).toBe(1);
    }
    expect(lru.size).toBe(8);
    expect(lru.get('cold-0')).toBeUndefined();
    expect(lru.get('cold-199')).toBe(199);
  });

  it('evicts the least recently placed entry when nothing is read', () => {
    const lru = new ExpiringLru<string>(3, () => 0);
    for (const k of ['a', 'b', 'c', 'd']) lru.set(k, k, 1000);
    expect(lru.get('a')).toBeUndefined();
    expect([lru.get('b'), lru.get('c'), lru.get('d')]).toEqual(['b', 'c', 'd']);
  });

  it('forgets an entry at its expiry time and refuses to store one already expired', () => {
    let now = 0;
    const lru = new ExpiringLru<string>(10, () => now);
    lru.set('token', 'identity', 100);
    lru.set('stale', 'identity', 0);
    expect(lru.get('stale')).toBeUndefined();
    now = 99;
    expect(lru.get('token')).toBe('identity');
    now = 100;
    expect(lru.get('token')).toBeUndefined();
    expect(lru.size).toBe(0);
  });
});
