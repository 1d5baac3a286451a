/**
 * A bounded map whose entries die at their own expiry time: the verified-token cache, the
 * introspection cache and the API-key record cache. Insertion order is the recency order
 * (a hit is moved to the end), so eviction of the oldest is O(1). Written by hand because the
 * cache sits on the request path and needs per-entry absolute expiry with an injected clock.
 */
export class ExpiringLru<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(private readonly capacity: number, private readonly now: () => number = Date.now) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    // Refresh recency only for the older half would save a delete+set; the map ops are cheap enough.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (ms since epoch); an entry already expired is not stored. */
  set(key: string, value: V, expiresAt: number): void {
    if (this.capacity <= 0 || expiresAt <= this.now()) return;
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, expiresAt });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
