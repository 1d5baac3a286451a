import { isIP } from 'node:net';
import type { ApiConfig } from '../config/types.js';
import { createRouter } from '../openapi/index.js';
import type { LoadedSpec, Operation } from '../openapi/types.js';
import { Aggregator, type InventoryRow } from './aggregate.js';
import type { Observation } from './observation.js';
import { walkShape, type BodyShape } from './shape.js';

/**
 * Passive inventory: the same rows the gateway records, built from access logs of traffic that
 * does not pass through the gateway yet (NGINX `combined` format, HAR files exported by a
 * browser or a proxy). Requests are matched against the configured specs, so shadow and
 * zombie operations show up exactly as they would behind the gateway.
 */
export interface IngestResult {
  readonly rows: InventoryRow[];
  readonly lines: number;
  /** Lines that could not be parsed: `line N: reason`, at most 20. */
  readonly skipped: string[];
  readonly skippedCount: number;
}

export interface ApiForMatch {
  readonly config: Pick<ApiConfig, 'name' | 'basePath'>;
  readonly spec: LoadedSpec;
}

interface Matched { readonly api: string; readonly operation: Operation | undefined }

/** A matcher of method + path to API and operation, built once from the loaded specs. */
export function createMatcher(apis: readonly ApiForMatch[]): (method: string, path: string) => Matched {
  const entries: { basePath: string; operation: Operation; value: Matched }[] = [];
  const prefixes: { prefix: string; api: string }[] = [];
  for (const { config, spec } of apis) {
    const bases = config.basePath !== undefined ? [config.basePath] : spec.basePaths.length > 0 ? spec.basePaths : [''];
    for (const basePath of bases) {
      prefixes.push({ prefix: basePath, api: config.name });
      for (const operation of spec.operations) entries.push({ basePath, operation, value: { api: config.name, operation } });
    }
  }
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);
  const router = createRouter(entries);
  return (method, path) => {
    const found = router.match(method.toUpperCase(), path);
    if (found !== undefined && !('methodNotAllowed' in found)) return found.value;
    const owner = prefixes.find((p) => p.prefix === '' || path === p.prefix || path.startsWith(`${p.prefix}/`));
    return { api: owner?.api ?? '(none)', operation: undefined };
  };
}

// NGINX `combined`: $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
const COMBINED = /^(\S+) \S+ (\S+) \[([^\]]+)\] "([A-Z]+) ([^ "]+)(?: HTTP\/[\d.]+)?" (\d{3}) (\d+|-)(?: "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*")?/;
const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

function nginxTime(s: string): number | undefined {
  const m = /^(\d{2})\/(\w{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(s);
  if (m === null || MONTHS[m[2] as string] === undefined) return undefined;
  const utc = Date.UTC(Number(m[3]), MONTHS[m[2] as string] as number, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  return utc - offset;
}

/**
 * Rows per hour of the logged time, so that `inventory --since` can tell last week's requests
 * from today's in a log that spans both (the gateway's rows span one flush interval each).
 */
const BUCKET_MS = 3_600_000;

class HourlyRows {
  private readonly buckets = new Map<number, Aggregator>();

  constructor(private readonly source: string) {}

  add(o: Observation): void {
    const hour = Math.floor(o.ts / BUCKET_MS);
    let aggregator = this.buckets.get(hour);
    if (aggregator === undefined) {
      aggregator = new Aggregator(this.source);
      this.buckets.set(hour, aggregator);
    }
    aggregator.add(o);
  }

  take(): InventoryRow[] {
    const rows = [...this.buckets.values()].flatMap((a) => a.take());
    this.buckets.clear();
    return rows;
  }
}

export function ingestNginx(text: string, match: ReturnType<typeof createMatcher>): IngestResult {
  const aggregator = new HourlyRows('nginx');
  const skipped: string[] = [];
  let skippedCount = 0;
  const lines = text.split(/\r?\n/);
  let count = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    count++;
    const m = COMBINED.exec(line);
    const ts = m === null ? undefined : nginxTime(m[3] as string);
    if (m === null || ts === undefined) {
      skippedCount++;
      if (skipped.length < 20) skipped.push(`line ${i + 1}: not in NGINX combined format`);
      return;
    }
    const target = m[5] as string;
    const q = target.indexOf('?');
    const user = m[2] as string;
    aggregator.add(observation(match, {
      ts, ip: m[1] as string, method: m[4] as string, path: q === -1 ? target : target.slice(0, q), status: Number(m[6]),
      responseBytes: m[7] === '-' ? 0 : Number(m[7]), subject: user === '-' ? undefined : user, latencyMs: 0, requestBytes: 0,
    }));
  });
  return { rows: aggregator.take(), lines: count, skipped, skippedCount };
}

interface HarEntry {
  startedDateTime?: string;
  time?: number;
  serverIPAddress?: string;
  request?: { method?: string; url?: string; bodySize?: number; headers?: { name?: string; value?: string }[]; postData?: { mimeType?: string; text?: string } };
  response?: { status?: number; bodySize?: number; content?: { size?: number; mimeType?: string; text?: string; encoding?: string } };
}

export interface HarOptions {
  /** The caller when an entry names no client address: the capture (`har:session.har`). */
  readonly client?: string;
}

/**
 * The client of a HAR entry. HAR 1.2 records the server's address, not the client's: a capture
 * made behind a proxy carries the client in its forwarding headers (the left-most address is the
 * original client); a browser's own capture is one client, named after the capture.
 */
function harCaller(e: HarEntry, fallback: string): { caller: string; ip: string } {
  for (const h of e.request?.headers ?? []) {
    const name = h.name?.toLowerCase();
    const value = h.value ?? '';
    let address: string | undefined;
    if (name === 'x-forwarded-for' || name === 'x-real-ip') address = value.split(',')[0]?.trim();
    else if (name === 'forwarded') address = /(?:^|[;,\s])for="?\[?([^\]",;\s]+)/i.exec(value)?.[1];
    if (address !== undefined && isIP(address) !== 0) return { caller: `ip:${address}`, ip: address };
  }
  return { caller: fallback, ip: '' };
}

/** HAR 1.2 (`log.entries`). Bodies, when the HAR holds them, are walked for their shape and forgotten. */
export function ingestHar(text: string, match: ReturnType<typeof createMatcher>, options: HarOptions = {}): IngestResult {
  let doc: { log?: { entries?: HarEntry[] } };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch (error) {
    return { rows: [], lines: 0, skipped: [`not JSON: ${(error as Error).message}`], skippedCount: 1 };
  }
  const entries = doc.log?.entries;
  if (!Array.isArray(entries)) return { rows: [], lines: 0, skipped: ['no log.entries array: not a HAR file'], skippedCount: 1 };
  const aggregator = new HourlyRows('har');
  const skipped: string[] = [];
  let skippedCount = 0;
  const skip = (why: string): void => {
    skippedCount++;
    if (skipped.length < 20) skipped.push(why);
  };
  entries.forEach((e, i) => {
    let url: URL;
    try { url = new URL(e.request?.url ?? ''); } catch {
      skip(`entry ${i}: request.url missing or invalid`);
      return;
    }
    const ts = Date.parse(e.startedDateTime ?? '');
    // Required by HAR 1.2; without it the request has no place in time (and --since none to filter on).
    if (Number.isNaN(ts)) {
      skip(`entry ${i}: startedDateTime missing or invalid`);
      return;
    }
    const client = harCaller(e, options.client ?? 'har:client');
    aggregator.add(observation(match, {
      ts, ip: client.ip, caller: client.caller, method: (e.request?.method ?? 'GET').toUpperCase(), path: url.pathname,
      status: e.response?.status ?? 0, requestBytes: Math.max(0, e.request?.bodySize ?? 0), responseBytes: Math.max(0, e.response?.content?.size ?? e.response?.bodySize ?? 0),
      latencyMs: e.time ?? 0, subject: undefined,
      requestShape: shapeOf(e.request?.postData?.mimeType, e.request?.postData?.text, undefined),
      responseShape: shapeOf(e.response?.content?.mimeType, e.response?.content?.text, e.response?.content?.encoding),
    }));
  });
  return { rows: aggregator.take(), lines: entries.length, skipped, skippedCount };
}

function shapeOf(mime: string | undefined, text: string | undefined, encoding: string | undefined): BodyShape | undefined {
  if (text === undefined || mime === undefined || !/json/i.test(mime) || text.length > 1_000_000) return undefined;
  try {
    const value: unknown = JSON.parse(encoding === 'base64' ? Buffer.from(text, 'base64').toString('utf8') : text);
    return typeof value === 'object' && value !== null ? walkShape(value) : undefined;
  } catch {
    return undefined;
  }
}

interface Seen {
  ts: number; ip: string; caller?: string; method: string; path: string; status: number; requestBytes: number; responseBytes: number; latencyMs: number;
  subject: string | undefined; requestShape?: BodyShape | undefined; responseShape?: BodyShape | undefined;
}

function observation(match: ReturnType<typeof createMatcher>, s: Seen): Observation {
  const found = match(s.method, s.path);
  const op = found.operation;
  return {
    ts: s.ts, requestId: '', api: found.api, operation: op?.id, deprecated: op?.deprecated ?? false, method: s.method,
    path: op?.path ?? s.path, unmatched: op === undefined, status: s.status, identityClass: s.subject === undefined ? 'anonymous' : 'basic',
    caller: s.caller ?? (s.subject === undefined ? `ip:${s.ip}` : `sub:${s.subject}`), ip: s.ip, subject: s.subject, credentialId: undefined, jti: undefined, exp: undefined,
    requestBytes: s.requestBytes, responseBytes: s.responseBytes, latencyMs: s.latencyMs, code: undefined, objectKey: undefined,
    requestShape: s.requestShape, responseShape: s.responseShape,
  };
}
