/**
 * Sliding windows kept in memory, per instance: each key holds the timestamps (and optional
 * values) of its recent events, pruned as time moves. Exact rather than bucketed, and bounded: a
 * key keeps at most `cap` events, enough to decide whether a threshold was crossed. Time is the
 * events' own (`ts`), so detectors run the same under a test clock or a replayed log.
 */
export class SlidingLog<V = undefined> {
  private readonly keys = new Map<string, { ts: number[]; values: V[] }>();

  constructor(private readonly windowMs: number, private readonly cap: number) {}

  /** Adds an event and returns the events of `key` now inside the window. */
  add(key: string, ts: number, value: V): { readonly ts: readonly number[]; readonly values: readonly V[] } {
    let entry = this.keys.get(key);
    if (entry === undefined) { entry = { ts: [], values: [] }; this.keys.set(key, entry); }
    this.prune(entry, ts);
    entry.ts.push(ts);
    entry.values.push(value);
    if (entry.ts.length > this.cap) { entry.ts.shift(); entry.values.shift(); }
    return entry;
  }

  /** Drops keys with nothing left in the window (call now and then so idle keys do not pile up). */
  sweep(now: number): void {
    for (const [key, entry] of this.keys) {
      this.prune(entry, now);
      if (entry.ts.length === 0) this.keys.delete(key);
    }
  }

  clear(key: string): void {
    this.keys.delete(key);
  }

  get size(): number {
    return this.keys.size;
  }

  private prune(entry: { ts: number[]; values: V[] }, now: number): void {
    const from = now - this.windowMs;
    let n = 0;
    while (n < entry.ts.length && (entry.ts[n] as number) <= from) n++;
    if (n > 0) { entry.ts.splice(0, n); entry.values.splice(0, n); }
  }
}

/** Remembers when something was last reported, so one burst raises one alert, not one per request. */
export class Cooldown {
  private readonly last = new Map<string, number>();

  constructor(private readonly ms: number) {}

  /** True (and remembered) when `key` has not fired within the cooldown. */
  fire(key: string, now: number): boolean {
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.ms) return false;
    this.last.set(key, now);
    return true;
  }

  sweep(now: number): void {
    for (const [key, ts] of this.last) if (now - ts >= this.ms) this.last.delete(key);
  }
}
