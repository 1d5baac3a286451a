import { StoreInputError } from './errors.js';
import type { GcraOptions, RecordQuery, TrimRule } from './ports.js';

/*
 * Argument checks shared by every adapter, so that all engines refuse the same bad input with
 * the same error instead of each driver failing in its own way (or, worse, silently storing
 * a NaN TTL that never expires).
 */

export function checkTtl(what: string, ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) throw new StoreInputError(what, `ttlMs must be a positive integer, got ${String(ttlMs)}`);
}

export function checkOptionalTtl(what: string, ttlMs: number | undefined): void {
  if (ttlMs !== undefined) checkTtl(what, ttlMs);
}

export function checkInteger(what: string, name: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) throw new StoreInputError(what, `${name} must be an integer >= ${min}, got ${String(n)}`);
}

export function checkBy(by: number): void {
  if (!Number.isSafeInteger(by)) throw new StoreInputError('counters.increment', `by must be an integer, got ${String(by)}`);
}

export function checkGcra(o: GcraOptions): void {
  if (!(o.emissionIntervalMs > 0) || !Number.isFinite(o.emissionIntervalMs)) {
    throw new StoreInputError('gcra', `emissionIntervalMs must be a positive number, got ${String(o.emissionIntervalMs)}`);
  }
  checkInteger('gcra', 'burst', o.burst, 1);
  if (o.cost !== undefined) checkInteger('gcra', 'cost', o.cost, Number.MIN_SAFE_INTEGER);
  if (o.nowMs !== undefined && !Number.isFinite(o.nowMs)) throw new StoreInputError('gcra', 'nowMs must be a finite number');
}

export const DEFAULT_QUERY_LIMIT = 1000;
export const MAX_QUERY_LIMIT = 10_000;

/** Field names become JSON paths in SQL; keeping them to identifiers rules out path injection. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;

/** Validates a query and returns the effective limit. */
export function checkQuery(stream: string, q: RecordQuery | undefined): number {
  if (typeof stream !== 'string' || stream.length === 0) throw new StoreInputError('records', 'stream must be a non-empty string');
  if (q === undefined) return DEFAULT_QUERY_LIMIT;
  if (q.since !== undefined && !Number.isFinite(q.since)) throw new StoreInputError('records.query', 'since must be a number (ms since epoch)');
  if (q.until !== undefined && !Number.isFinite(q.until)) throw new StoreInputError('records.query', 'until must be a number (ms since epoch)');
  if (q.order !== undefined && q.order !== 'asc' && q.order !== 'desc') throw new StoreInputError('records.query', "order must be 'asc' or 'desc'");
  if (q.where !== undefined) {
    for (const [k, v] of Object.entries(q.where)) {
      if (!FIELD_NAME.test(k)) throw new StoreInputError('records.query', `where field ${JSON.stringify(k)} is not a plain field name`);
      const t = typeof v;
      if (t !== 'string' && t !== 'number' && t !== 'boolean') throw new StoreInputError('records.query', `where.${k} must be a string, number or boolean`);
      if (t === 'number' && !Number.isFinite(v)) throw new StoreInputError('records.query', `where.${k} must be a finite number`);
    }
  }
  if (q.limit === undefined) return DEFAULT_QUERY_LIMIT;
  checkInteger('records.query', 'limit', q.limit, 0);
  return Math.min(q.limit, MAX_QUERY_LIMIT);
}

function checkStream(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new StoreInputError('records', 'stream must be a non-empty string');
}

export function checkRecord(stream: string, record: unknown): void {
  checkStream(stream);
  if (record === null || typeof record !== 'object' || Array.isArray(record)) throw new StoreInputError(`records.append(${stream})`, 'record must be a plain object');
}

/** Every adapter stores records as JSON; serialising up front makes a bad record fail the same way everywhere. */
export function recordJson(stream: string, record: object): string {
  checkRecord(stream, record);
  try {
    return JSON.stringify(record);
  } catch (err) {
    throw new StoreInputError(`records.append(${stream})`, `record is not JSON-serialisable: ${(err as Error).message}`);
  }
}

/**
 * The cheap half of checking a pre-serialised record: a JSON object text. The writers are ours
 * (recordJson and the decision trail's); this catches a caller handing over something else.
 */
export function checkRecordJson(stream: string, texts: readonly string[]): void {
  checkStream(stream);
  for (const t of texts) checkRecordText(stream, t);
}

/** One pre-serialised record (see checkRecordJson); the decision trail checks one per request. */
export function checkRecordText(stream: string, text: string): void {
  checkStream(stream);
  if (typeof text !== 'string' || text.charCodeAt(0) !== 0x7b || text.charCodeAt(text.length - 1) !== 0x7d) {
    throw new StoreInputError(`records.appendManyJson(${stream})`, 'each record must be the JSON text of an object');
  }
}

/** In-memory equality filter with the same semantics as the SQL adapters (same type, same value). */
export function matchesWhere(data: Record<string, unknown>, where: Readonly<Record<string, unknown>> | undefined): boolean {
  if (where === undefined) return true;
  for (const k in where) {
    if (!Object.prototype.hasOwnProperty.call(data, k) || data[k] !== where[k]) return false;
  }
  return true;
}

export function inWindow(ts: number, since: number | undefined, until: number | undefined): boolean {
  return (since === undefined || ts >= since) && (until === undefined || ts < until);
}

/** Deletions per statement when trimming: short locks, and the event loop (sqlite) gets turns between batches. */
export const TRIM_BATCH = 5000;

export function checkTrim(stream: string, rule: TrimRule): void {
  checkStream(stream);
  if (rule.before !== undefined && !Number.isFinite(rule.before)) throw new StoreInputError('records.trim', 'before must be a number (ms since epoch)');
  if (rule.keep !== undefined) checkInteger('records.trim', 'keep', rule.keep, 0);
}
