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

/**
 * Distinct values per key over a sliding window, with the count kept up to date as events enter
 * and leave, so each event costs O(1) amortised however many are in the window.
 */
export class SlidingDistinct {
  private readonly keys = new Map<string, { ts: number[]; values: string[]; ids: string[]; head: number; counts: Map<string, number> }>();

  constructor(private readonly windowMs: number, private readonly cap: number) {}

  /** Adds an event; returns how many distinct values are now in the window for `key`. */
  add(key: string, ts: number, value: string, requestId: string): number {
    let e = this.keys.get(key);
    if (e === undefined) { e = { ts: [], values: [], ids: [], head: 0, counts: new Map() }; this.keys.set(key, e); }
    const from = ts - this.windowMs;
    while (e.head < e.ts.length && ((e.ts[e.head] as number) <= from || e.ts.length - e.head >= this.cap)) this.evict(e);
    if (e.head > 1024 && e.head * 2 > e.ts.length) {
      e.ts.splice(0, e.head); e.values.splice(0, e.head); e.ids.splice(0, e.head); e.head = 0;
    }
    e.ts.push(ts);
    e.values.push(value);
    e.ids.push(requestId);
    e.counts.set(value, (e.counts.get(value) ?? 0) + 1);
    return e.counts.size;
  }

  /** The events in the window for `key` and its latest request ids: read when an alert fires, not per event. */
  recent(key: string): { events: number; recentIds: readonly string[] } {
    const e = this.keys.get(key);
    if (e === undefined) return { events: 0, recentIds: [] };
    return { events: e.ts.length - e.head, recentIds: e.ids.slice(Math.max(e.head, e.ids.length - 5)) };
  }

  sweep(now: number): void {
    for (const [key, e] of this.keys) if ((e.ts[e.ts.length - 1] ?? 0) <= now - this.windowMs) this.keys.delete(key);
  }

  private evict(e: { values: string[]; head: number; counts: Map<string, number> }): void {
    const v = e.values[e.head] as string;
    const n = (e.counts.get(v) ?? 1) - 1;
    if (n === 0) e.counts.delete(v); else e.counts.set(v, n);
    e.head++;
  }
}

/** A running sum per key over a sliding window, in 60 time buckets: O(1) per event, bounded memory. */
export class SlidingSum {
  private readonly keys = new Map<string, { starts: number[]; sums: number[]; total: number }>();
  private readonly bucketMs: number;

  constructor(private readonly windowMs: number) {
    this.bucketMs = Math.max(1, Math.floor(windowMs / 60));
  }

  add(key: string, ts: number, value: number): number {
    let e = this.keys.get(key);
    if (e === undefined) { e = { starts: [], sums: [], total: 0 }; this.keys.set(key, e); }
    const from = ts - this.windowMs;
    while (e.starts.length > 0 && (e.starts[0] as number) + this.bucketMs <= from) {
      e.total -= e.sums[0] as number;
      e.starts.shift();
      e.sums.shift();
    }
    const start = ts - (ts % this.bucketMs);
    const last = e.starts.length - 1;
    if (last >= 0 && e.starts[last] === start) e.sums[last] = (e.sums[last] as number) + value;
    else { e.starts.push(start); e.sums.push(value); }
    e.total += value;
    return e.total;
  }

  sweep(now: number): void {
    for (const [key, e] of this.keys) if ((e.starts[e.starts.length - 1] ?? 0) + this.bucketMs <= now - this.windowMs) this.keys.delete(key);
  }
}
