/**
 * A bounded map whose entries die at their own expiry time: the verified-token cache, the
 * introspection cache and the API-key record cache. Insertion order is the recency order, so
 * eviction of the oldest is O(1). A hit is moved to the end only once it has drifted into the
 * older half (more than capacity/2 insertions since it was last placed): a hot entry is not
 * re-inserted on every request, and one in use never reaches the eviction end. Written by hand
 * because the cache sits on the request path and needs per-entry absolute expiry with an
 * injected clock.
 */
export class ExpiringLru<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number; placed: number }>();
  /** Counts insertions: `clock - placed` bounds how many entries are newer than an entry. */
  private clock = 0;

  constructor(private readonly capacity: number, private readonly now: () => number = Date.now) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    if (this.clock - entry.placed > this.capacity >> 1) {
      this.entries.delete(key);
      entry.placed = ++this.clock;
      this.entries.set(key, entry);
    }
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
    this.entries.set(key, { value, expiresAt, placed: ++this.clock });
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
