import type { Observation } from '../inventory/observation.js';
import { severityFor, type AlertDraft } from './alert.js';
import type { DetectorSettings } from './config.js';
import { Cooldown, evictOldest, Peaks, recentOf, SlidingDistinct, type DistinctEntry } from './window.js';

const REFUSED = 1;
const NO_REASONS: string[] = { push: () => 0 } as unknown as string[];
const STEP = 2;
const HOUR = 3_600_000;
/** How long one alert covers its caller and operation: a five-minute attack is one alert. */
const ALERT_PERIOD_MS = 15 * 60_000;
const DAY = 24 * HOUR;
/** Keys (caller x operation) whose habits are remembered; the oldest go first past this. */
const MAX_LEARNED = 100_000;

/**
 * How sure we are that many distinct ids from one caller on one operation are enumeration
 * (walking objects the caller does not own) or scraping, rather than a bulk read. Distinct ids
 * alone decide nothing: a client reading its own 2,000 records looks the same by count. What
 * separates them is what the answers and the caller's history say:
 *
 * - refused: the share of those requests refused as not the caller's (403, 404, or the
 *   object-auth policy's GH_AUTHZ_OBJECT_FORBIDDEN, also in monitor mode). The one strong sign
 *   of ids not owned; a bulk read of one's own records is answered 200.
 * - anonymous: nobody to own anything; a walk of item ids without credentials is scraping.
 * - walk: most ids are one to three steps from the previous one (an id range walked in order).
 * - novel / known: the caller has (or has not) read this many ids of this operation in an
 *   earlier hour without raising anything (a nightly job, a known exporter).
 * - listed: the caller read the matching list operation first (`/orders` before
 *   `/orders/{id}`): it is fetching what a listing gave it.
 *
 * Weights are round numbers chosen so that each attack in test/anomaly/day.ts is raised on two
 * signals or on refusals alone, and no single weak signal raises anything; docs/anomaly.md has
 * the false-alarm figures they give.
 */
export function enumerationConfidence(distinct: number, events: number, refused: number, steps: number, anonymous: boolean, learnedPeak: number, listed: boolean,
  reasons?: string[]): number {
  // Without `reasons` (every request past the threshold that raises nothing) no words are made.
  const why = reasons ?? NO_REASONS;
  const refusedShare = events === 0 ? 0 : refused / events;
  const walkShare = events <= 1 ? 0 : steps / (events - 1);
  let c = 0;
  const pct = (x: number): string => `${Math.round(x * 100)} %`;
  if (refusedShare >= 0.5) { c += 0.7; why.push(`${pct(refusedShare)} of the requests were refused as not the caller's (403/404/object-auth)`); }
  else if (refusedShare >= 0.2) { c += 0.5; why.push(`${pct(refusedShare)} of the requests were refused as not the caller's`); }
  else if (refusedShare >= 0.05) { c += 0.3; why.push(`${pct(refusedShare)} of the requests were refused (gaps in the ids walked)`); }
  if (anonymous) { c += 0.3; why.push('no credentials: an anonymous caller owns no objects'); }
  if (walkShare >= 0.8) { c += 0.2; why.push(`${pct(walkShare)} of the ids were 1-3 steps from the previous one (an id range walked in order)`); }
  const known = learnedPeak * 2 >= distinct;
  if (known) { c -= 0.3; why.push(`the caller read up to ${Math.round(learnedPeak)} distinct ids of this operation in an earlier hour without an alert`); }
  else { c += 0.1; why.push(learnedPeak === 0 ? 'the caller never read many ids of this operation before' : `more than twice the ${Math.round(learnedPeak)} ids the caller read before`); }
  if (listed && refusedShare < 0.05) { c -= 0.2; why.push('the caller listed this collection first (fetching what the listing gave it)'); }
  return Math.round(Math.min(1, Math.max(0, c)) * 100) / 100;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Enumeration: per caller and item operation, the distinct ids of a sliding window with how
 * many were refused and how many were steps of a walk (O(1) per request, bounded by `cap`); per
 * caller, when it last read each list path; per caller and operation, the most ids it read in
 * an earlier hour. The verdict is computed only once the distinct count reaches the threshold.
 */
export class EnumerationDetector {
  private readonly objects: SlidingDistinct;
  private readonly peaks = new Peaks(HOUR, 7 * DAY, MAX_LEARNED);
  private readonly cooldown: Cooldown;
  /** caller -> list path template -> when it was last read. */
  private readonly listed = new Map<string, Map<string, number>>();
  /** operation key -> its collection's path (`/orders/{id}` -> `/orders`), made once per operation. */
  private readonly collections = new Map<string, string>();
  private readonly keys = new Map<string, Map<string, string>>();

  /**
   * Alerts past `minConfidence` but short of `respondConfidence`, held for up to one window while
   * more evidence comes: a walk whose first ids happened to exist, and whose next ones do not,
   * is one alert with the confidence it reached, not a medium one and then a high one.
   */
  private readonly pending = new Map<string, { since: number; draft: AlertDraft }>();

  constructor(private readonly settings: DetectorSettings['enumeration'], private readonly minConfidence: number, private readonly respondConfidence: number) {
    this.objects = new SlidingDistinct(settings.windowMs, settings.distinctIds * 4);
    this.cooldown = new Cooldown(Math.max(settings.windowMs, ALERT_PERIOD_MS));
  }

  feed(o: Observation, operationKey: string, out: AlertDraft[]): void {
    if (o.operation === undefined || o.status >= 500 || o.status === 429) return;
    if (o.objectKey === undefined) {
      if (o.method === 'GET' && o.status < 400) this.rememberListing(o);
      return;
    }
    const c = this.settings;
    const key = this.keyOf(o.caller, operationKey);
    const refused = o.status === 403 || o.status === 404 || o.code === 'GH_AUTHZ_OBJECT_FORBIDDEN';
    const n = o.objectKey.length <= 15 ? Number(o.objectKey) : Number.NaN;
    let e = this.objects.get(key);
    const step = e !== undefined && Number.isFinite(n) && Math.abs(n - e.last) >= 1 && Math.abs(n - e.last) <= 3;
    e = this.objects.add(key, o.ts, o.objectKey, o.requestId, (refused ? REFUSED : 0) | (step ? STEP : 0));
    e.last = n;
    const distinct = e.counts.size;
    this.peaks.observe(key, o.ts, distinct);
    if (distinct < c.distinctIds) return;
    this.judge(o, key, operationKey, e, distinct, out);
  }

  sweep(now: number): void {
    this.objects.sweep(now);
    this.cooldown.sweep(now);
    this.peaks.sweep(now);
    for (const [key, held] of this.pending) if (now - held.since > this.settings.windowMs * 10) this.pending.delete(key);
    for (const [caller, paths] of this.listed) {
      for (const [path, ts] of paths) if (now - ts > this.settings.windowMs * 10) paths.delete(path);
      if (paths.size === 0) this.listed.delete(caller);
    }
  }

  private judge(o: Observation, key: string, operationKey: string, e: DistinctEntry, distinct: number, out: AlertDraft[]): void {
    const c = this.settings;
    const events = e.ts.length - e.head;
    const listedAt = this.listed.get(o.caller)?.get(this.collectionOf(operationKey, o.path));
    const listed = listedAt !== undefined && o.ts - listedAt <= c.windowMs * 10;
    const anonymous = o.subject === undefined;
    const learned = this.peaks.learned(key, o.ts);
    const confidence = enumerationConfidence(distinct, events, e.flag1, e.flag2, anonymous, learned, listed);
    const held = this.pending.get(key);
    if (confidence < this.respondConfidence) {
      if (held !== undefined && o.ts - held.since >= c.windowMs) { this.pending.delete(key); this.raise(key, held.draft, out); return; }
      if (confidence < this.minConfidence || (held !== undefined && confidence <= held.draft.confidence) || !this.cooldown.allows(key, o.ts, confidence)) return;
      this.pending.set(key, { since: held?.since ?? o.ts, draft: this.draft(o, e, distinct, confidence, anonymous, learned, listed) });
      return;
    }
    if (held !== undefined) this.pending.delete(key);
    if (!this.cooldown.allows(key, o.ts, confidence)) return;
    this.raise(key, this.draft(o, e, distinct, confidence, anonymous, learned, listed), out);
  }

  /** Held alerts whose window of waiting is over at `now` (all of them with `force`). */
  drain(now: number, out: AlertDraft[], force: boolean): void {
    for (const [key, held] of this.pending) {
      if (!force && now - held.since < this.settings.windowMs) continue;
      this.pending.delete(key);
      this.raise(key, held.draft, out);
    }
  }

  private raise(key: string, draft: AlertDraft, out: AlertDraft[]): void {
    if (!this.cooldown.fire(key, draft.ts, draft.confidence)) return;
    this.peaks.taint(key);
    out.push(draft);
  }

  private draft(o: Observation, e: DistinctEntry, distinct: number, confidence: number, anonymous: boolean, learned: number, listed: boolean): AlertDraft {
    const c = this.settings;
    const events = e.ts.length - e.head;
    const reasons: string[] = [];
    enumerationConfidence(distinct, events, e.flag1, e.flag2, anonymous, learned, listed, reasons);
    const signals = { refusedShare: round(e.flag1 / events), walkShare: round(events <= 1 ? 0 : e.flag2 / (events - 1)), anonymous, learnedPeak: Math.round(learned), listed };
    const seen = recentOf(e);
    return {
      type: 'enumeration', severity: severityFor(confidence, 'high'), confidence, ts: o.ts, api: o.api,
      ...(o.operation === undefined ? {} : { operation: o.operation }),
      summary: `${o.caller} requested ${distinct} distinct objects of ${o.operation ?? o.path} within ${c.windowMs / 1000} s (confidence ${confidence})`,
      subject: callerSubject(o),
      evidence: { count: distinct, threshold: c.distinctIds, windowMs: c.windowMs, requests: seen.events, ...signals, reasons, sampleRequestIds: seen.recentIds },
    };
  }

  /** `<caller> <operation key>`, made once per pair (a lookup costs less than a new string per request). */
  private keyOf(caller: string, operationKey: string): string {
    let byOperation = this.keys.get(caller);
    if (byOperation === undefined) {
      if (this.keys.size >= MAX_LEARNED) evictOldest(this.keys, MAX_LEARNED);
      this.keys.set(caller, (byOperation = new Map()));
    }
    let key = byOperation.get(operationKey);
    if (key === undefined) byOperation.set(operationKey, (key = `${caller} ${operationKey}`));
    return key;
  }

  private rememberListing(o: Observation): void {
    let paths = this.listed.get(o.caller);
    if (paths === undefined) {
      if (this.listed.size >= MAX_LEARNED) evictOldest(this.listed, MAX_LEARNED);
      this.listed.set(o.caller, (paths = new Map()));
    }
    if (paths.size < 64 || paths.has(o.path)) paths.set(o.path, o.ts);
  }

  private collectionOf(operationKey: string, template: string): string {
    let path = this.collections.get(operationKey);
    if (path === undefined) {
      const param = template.lastIndexOf('/{');
      path = param <= 0 ? template : template.slice(0, param);
      this.collections.set(operationKey, path);
    }
    return path;
  }
}

/** Who an alert about a caller names: its address, and when authenticated the ids of its credential. */
export function callerSubject(o: Observation): AlertDraft['subject'] {
  return o.subject === undefined
    ? { kind: 'ip', value: o.caller, ip: o.ip }
    : {
      kind: 'identity', value: o.caller, ip: o.ip, subject: o.subject,
      ...(o.credentialId === undefined ? {} : { credentialId: o.credentialId }),
      ...(o.jti === undefined ? {} : { jti: o.jti }),
      ...(o.exp === undefined ? {} : { exp: o.exp }),
    };
}
