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

/**
 * Remembers when something was last reported, so one burst raises one alert, not one per
 * request. Within the cooldown an alert fires again only when its confidence rose by a clear
 * step (0.2): the same attack with stronger evidence may now earn its automatic response.
 */
export class Cooldown {
  private readonly last = new Map<string, { ts: number; confidence: number }>();

  constructor(private readonly ms: number) {}

  /** True (and remembered) when `key` has not fired within the cooldown, or fires now with clearly more confidence. */
  fire(key: string, now: number, confidence = 1): boolean {
    if (!this.allows(key, now, confidence)) return false;
    this.last.set(key, { ts: now, confidence });
    return true;
  }

  /** Whether `fire` would fire, without remembering anything. */
  allows(key: string, now: number, confidence = 1): boolean {
    const previous = this.last.get(key);
    return previous === undefined || now - previous.ts >= this.ms || confidence >= previous.confidence + 0.2;
  }

  sweep(now: number): void {
    for (const [key, e] of this.last) if (now - e.ts >= this.ms) this.last.delete(key);
  }
}

/** One key of a SlidingDistinct: the events in its window and running counts over them. */
export interface DistinctEntry {
  readonly ts: number[];
  readonly values: string[];
  readonly ids: string[];
  /** Per event, the flag bits the caller gave it. */
  readonly flags: number[];
  head: number;
  readonly counts: Map<string, number>;
  /** Events in the window with flag bit 1, and with flag bit 2. */
  flag1: number;
  flag2: number;
  /** Free for the caller: the detector keeps the last numeric id here. */
  last: number;
}

/**
 * Distinct values per key over a sliding window, with the count kept up to date as events enter
 * and leave, so each event costs O(1) amortised however many are in the window. Each event may
 * carry two flag bits (for enumeration: "refused", "one step from the previous id"), counted
 * over the same window.
 */
export class SlidingDistinct {
  private readonly keys = new Map<string, DistinctEntry>();

  constructor(private readonly windowMs: number, private readonly cap: number) {}

  /** Adds an event; returns its key's entry, whose `counts.size` is the distinct values now in the window. */
  add(key: string, ts: number, value: string, requestId: string, flags = 0): DistinctEntry {
    let e = this.keys.get(key);
    if (e === undefined) { e = { ts: [], values: [], ids: [], flags: [], head: 0, counts: new Map(), flag1: 0, flag2: 0, last: Number.NaN }; this.keys.set(key, e); }
    const from = ts - this.windowMs;
    while (e.head < e.ts.length && ((e.ts[e.head] as number) <= from || e.ts.length - e.head >= this.cap)) this.evict(e);
    if (e.head > 1024 && e.head * 2 > e.ts.length) {
      e.ts.splice(0, e.head); e.values.splice(0, e.head); e.ids.splice(0, e.head); e.flags.splice(0, e.head); e.head = 0;
    }
    e.ts.push(ts);
    e.values.push(value);
    e.ids.push(requestId);
    e.flags.push(flags);
    if ((flags & 1) !== 0) e.flag1++;
    if ((flags & 2) !== 0) e.flag2++;
    e.counts.set(value, (e.counts.get(value) ?? 0) + 1);
    return e;
  }

  get(key: string): DistinctEntry | undefined {
    return this.keys.get(key);
  }

  sweep(now: number): void {
    for (const [key, e] of this.keys) if ((e.ts[e.ts.length - 1] ?? 0) <= now - this.windowMs) this.keys.delete(key);
  }

  private evict(e: DistinctEntry): void {
    const v = e.values[e.head] as string;
    const n = (e.counts.get(v) ?? 1) - 1;
    if (n === 0) e.counts.delete(v); else e.counts.set(v, n);
    const f = e.flags[e.head] as number;
    if ((f & 1) !== 0) e.flag1--;
    if ((f & 2) !== 0) e.flag2--;
    e.head++;
  }
}

/** Events in a DistinctEntry's window, and its latest request ids: read when an alert fires. */
export function recentOf(e: DistinctEntry): { events: number; recentIds: readonly string[] } {
  return { events: e.ts.length - e.head, recentIds: e.ids.slice(Math.max(e.head, e.ids.length - 5)) };
}

/**
 * What a key (a caller, or a caller on one operation) has done before: the highest value it
 * reached in each past period, kept as a slowly decaying peak. A period that raised an alert
 * is not learned, so an attack does not teach the detector that attacks are normal. One map
 * lookup and a comparison per event.
 */
export class Peaks {
  private readonly keys = new Map<string, { learned: number; current: number; start: number; tainted: boolean }>();

  /**
   * @param periodMs how long a period lasts before its peak is learned (an hour: a nightly job
   *   learned tonight is known tomorrow night)
   * @param halfLifeMs how fast an old peak is forgotten
   */
  constructor(private readonly periodMs: number, private readonly halfLifeMs: number, private readonly maxKeys: number) {}

  /** Records `value` for `key` at `ts`. */
  observe(key: string, ts: number, value: number): void {
    let p = this.keys.get(key);
    if (p === undefined) {
      if (this.keys.size >= this.maxKeys) this.evictOldest();
      p = { learned: 0, current: 0, start: ts, tainted: false };
      this.keys.set(key, p);
    }
    if (ts - p.start >= this.periodMs) this.roll(p, ts);
    if (value > p.current) p.current = value;
  }

  /** The peak learned from past periods (0 for a key never seen). */
  learned(key: string, ts: number): number {
    const p = this.keys.get(key);
    if (p === undefined) return 0;
    if (ts - p.start >= this.periodMs) this.roll(p, ts);
    return p.learned;
  }

  /** The current period raised an alert: do not learn it. */
  taint(key: string): void {
    const p = this.keys.get(key);
    if (p !== undefined) p.tainted = true;
  }

  sweep(now: number): void {
    for (const [key, p] of this.keys) {
      if (now - p.start >= this.periodMs) this.roll(p, now);
      if (p.learned < 1 && p.current === 0) this.keys.delete(key);
    }
  }

  get size(): number {
    return this.keys.size;
  }

  private roll(p: { learned: number; current: number; start: number; tainted: boolean }, ts: number): void {
    const decay = 0.5 ** ((ts - p.start) / this.halfLifeMs);
    p.learned = Math.max(p.learned * decay, p.tainted ? 0 : p.current);
    p.current = 0;
    p.tainted = false;
    p.start = ts;
  }

  private evictOldest(): void {
    evictOldest(this.keys, this.maxKeys);
  }
}

/**
 * Room in a capped map or set: the oldest tenth of `max` goes (insertion order: the first keys
 * are the oldest; a tenth at a time keeps this rare). Clearing instead would let a burst of new
 * keys, anonymous addresses say, wipe everything learned about every other caller.
 */
export function evictOldest(keys: Map<string, unknown> | Set<string>, max: number): void {
  let n = Math.ceil(max / 10);
  for (const key of keys.keys()) { if (n-- <= 0) break; keys.delete(key); }
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

  /** The sum of `key` in the window, without adding to it. */
  peek(key: string, ts: number): number {
    const e = this.keys.get(key);
    if (e === undefined) return 0;
    const from = ts - this.windowMs;
    let total = e.total;
    for (let i = 0; i < e.starts.length && (e.starts[i] as number) + this.bucketMs <= from; i++) total -= e.sums[i] as number;
    return total;
  }

  sweep(now: number): void {
    for (const [key, e] of this.keys) if ((e.starts[e.starts.length - 1] ?? 0) + this.bucketMs <= now - this.windowMs) this.keys.delete(key);
  }
}
