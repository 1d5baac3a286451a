import type { Observation } from './observation.js';
import { merge, type FieldType, type SensitiveKind } from './shape.js';
import { templatePath } from './template.js';

/**
 * One row of the inventory: an operation (or a shadow path template) seen in a time span, with
 * counts and body shapes. Rows from many flushes and many gateways merge into one per key.
 */
export interface InventoryRow {
  api: string;
  method: string;
  /** Spec template when declared, inferred template when shadow. */
  path: string;
  operation: string | undefined;
  unmatched: boolean;
  deprecated: boolean;
  count: number;
  /** Status class -> count (`2xx`, `4xx`, ...). */
  statuses: Record<string, number>;
  identities: Record<string, number>;
  /** Up to MAX_CALLERS distinct callers (`sub:alice`, `ip:10.0.0.7`). */
  callers: string[];
  requestBytes: number;
  responseBytes: number;
  latencyMsTotal: number;
  latencyMsMax: number;
  firstSeen: number;
  lastSeen: number;
  requestFields: Record<string, FieldType>;
  /** Response fields by status code. */
  responseFields: Record<string, Record<string, FieldType>>;
  /** `request.<path>` / `response.<path>` -> category. */
  sensitive: Record<string, SensitiveKind>;
  /** Where this row came from: the gateway, or a passive source (`nginx`, `har`). */
  source: string;
}

const MAX_CALLERS = 20;
/** Status class by hundreds (0: no answer): looked up rather than formatted per observation. */
const STATUS_CLASSES = ['none', '1xx', '2xx', '3xx', '4xx', '5xx'];
const MAX_FIELDS = 500;

export function rowKey(api: string, method: string, path: string): string {
  return `${api} ${method} ${path}`;
}

/** The row shadow traffic of an API folds into once the API has `maxShadowPaths` shadow rows. */
export const OVERFLOW_METHOD = '*';
export const OVERFLOW_PATH = '(overflow)';

export interface ShadowCap {
  /** Distinct shadow (method, template) rows per API; the rest fold into one overflow row. */
  readonly maxPaths: number;
  /** Told about every observation folded into an overflow row (a metric). */
  readonly onOverflow?: (api: string) => void;
}

/**
 * Adds observations into rows keyed by API, method and template. Not on the request path.
 * With a cap, the shadow rows of an API are bounded for the life of the aggregator: anyone can
 * send unmatched paths without credentials, and each new one would otherwise be a new row,
 * stored at every flush, for ever.
 */
export class Aggregator {
  readonly rows = new Map<string, InventoryRow>();
  /** Per API, the shadow rows admitted so far (kept across take()). */
  private readonly shadow = new Map<string, Set<string>>();

  constructor(private readonly source = 'gateway', private readonly cap?: ShadowCap) {}

  add(o: Observation): void {
    let method = o.method;
    let path = o.path;
    if (o.unmatched) {
      path = templatePath(path);
      if (this.cap !== undefined && !this.admit(o.api, method, path, this.cap)) {
        method = OVERFLOW_METHOD;
        path = OVERFLOW_PATH;
      }
    }
    const key = o.unmatched ? rowKey(o.api, method, path) : o.rowKey ?? rowKey(o.api, method, path);
    let row = this.rows.get(key);
    if (row === undefined) {
      row = emptyRow(o.api, method, path, o.operation, o.unmatched, o.deprecated, o.ts, this.source);
      this.rows.set(key, row);
    }
    row.count++;
    const cls = STATUS_CLASSES[Math.floor(o.status / 100)] ?? `${Math.floor(o.status / 100)}xx`;
    row.statuses[cls] = (row.statuses[cls] ?? 0) + 1;
    row.identities[o.identityClass] = (row.identities[o.identityClass] ?? 0) + 1;
    if (row.callers.length < MAX_CALLERS && !row.callers.includes(o.caller)) row.callers.push(o.caller);
    row.requestBytes += o.requestBytes;
    row.responseBytes += o.responseBytes;
    row.latencyMsTotal += o.latencyMs;
    if (o.latencyMs > row.latencyMsMax) row.latencyMsMax = o.latencyMs;
    if (o.ts < row.firstSeen) row.firstSeen = o.ts;
    if (o.ts > row.lastSeen) row.lastSeen = o.ts;
    if (o.requestShape !== undefined) {
      mergeFields(row.requestFields, o.requestShape.fields);
      for (const [p, c] of Object.entries(o.requestShape.sensitive)) row.sensitive[`request.${p}`] = c;
    }
    if (o.responseShape !== undefined) {
      mergeFields(row.responseFields[String(o.status)] ??= {}, o.responseShape.fields);
      for (const [p, c] of Object.entries(o.responseShape.sensitive)) row.sensitive[`response.${p}`] = c;
    }
  }

  private admit(api: string, method: string, path: string, cap: ShadowCap): boolean {
    let seen = this.shadow.get(api);
    if (seen === undefined) this.shadow.set(api, (seen = new Set()));
    const key = `${method} ${path}`;
    if (seen.has(key)) return true;
    if (seen.size < cap.maxPaths) {
      seen.add(key);
      return true;
    }
    cap.onOverflow?.(api);
    return false;
  }

  /** The rows so far, and a fresh start. */
  take(): InventoryRow[] {
    const out = [...this.rows.values()];
    this.rows.clear();
    return out;
  }
}

export function emptyRow(api: string, method: string, path: string, operation: string | undefined, unmatched: boolean, deprecated: boolean, ts: number, source: string): InventoryRow {
  return {
    api, method, path, operation, unmatched, deprecated, count: 0, statuses: {}, identities: {}, callers: [],
    requestBytes: 0, responseBytes: 0, latencyMsTotal: 0, latencyMsMax: 0, firstSeen: ts, lastSeen: ts,
    requestFields: {}, responseFields: {}, sensitive: {}, source,
  };
}

function mergeFields(into: Record<string, FieldType>, from: Readonly<Record<string, FieldType>>): void {
  for (const [p, t] of Object.entries(from)) {
    if (into[p] === undefined && Object.keys(into).length >= MAX_FIELDS) continue;
    into[p] = merge(into[p], t);
  }
}

/** Folds `b` into `a` (rows of the same key from different flushes or gateways). */
export function mergeRows(a: InventoryRow, b: InventoryRow): InventoryRow {
  a.count += b.count;
  for (const [k, v] of Object.entries(b.statuses)) a.statuses[k] = (a.statuses[k] ?? 0) + v;
  for (const [k, v] of Object.entries(b.identities)) a.identities[k] = (a.identities[k] ?? 0) + v;
  for (const c of b.callers) if (a.callers.length < MAX_CALLERS && !a.callers.includes(c)) a.callers.push(c);
  a.requestBytes += b.requestBytes;
  a.responseBytes += b.responseBytes;
  a.latencyMsTotal += b.latencyMsTotal;
  a.latencyMsMax = Math.max(a.latencyMsMax, b.latencyMsMax);
  a.firstSeen = Math.min(a.firstSeen, b.firstSeen);
  a.lastSeen = Math.max(a.lastSeen, b.lastSeen);
  mergeFields(a.requestFields, b.requestFields);
  for (const [status, fields] of Object.entries(b.responseFields)) mergeFields(a.responseFields[status] ??= {}, fields);
  Object.assign(a.sensitive, b.sensitive);
  a.deprecated ||= b.deprecated;
  return a;
}
