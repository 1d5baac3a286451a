import type { Detection } from '../../detect/index.js';
import type { RequestContext } from '../../gateway/context.js';
import { parseCookies } from '../../gateway/headers.js';

/** What the operation declares; everything else is scanned in `scan: all` mode. */
export interface Declared {
  readonly query: ReadonlySet<string>;
  readonly header: ReadonlySet<string>;
  readonly cookie: ReadonlySet<string>;
  /** Unmatched traffic has no path template: scan the path's segments. */
  readonly scanPath: boolean;
}

/**
 * Standard headers whose values are protocol syntax (media ranges, encodings, dates, tokens,
 * user agents): scanning them would only produce false positives, and the gateway or the HTTP
 * parser already constrains them. Credentials are judged by the identity policies.
 */
const PROTOCOL_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'accept', 'accept-encoding', 'accept-language', 'accept-charset', 'user-agent', 'authorization', 'proxy-authorization', 'cookie',
  'cache-control', 'pragma', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'expect',
  'origin', 'referer', 'dnt', 'priority', 'via', 'forwarded', 'x-request-id', 'traceparent', 'tracestate', 'baggage', 'date',
]);

type Judge = (value: string) => Detection | undefined;

function judgeAll(value: string | string[] | undefined, location: string, judge: Judge): Detection | undefined {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  for (const v of values) {
    const d = judge(v);
    if (d !== undefined) return { ...d, location };
  }
  return undefined;
}

/** Scans query parameters, cookies, headers (and the path of unmatched traffic) the contract does not declare. */
export function scanUndeclared(ctx: RequestContext, declared: Declared, judge: Judge): Detection | undefined {
  const query = ctx.query;
  if (query !== undefined) {
    for (const key in query) {
      if (declared.query.has(key)) continue;
      const d = judgeAll(key, `query[${JSON.stringify(key)}]`, judge) ?? judgeAll(query[key], `query.${key}`, judge);
      if (d !== undefined) return d;
    }
  }
  const cookies = ctx.cookies ??= parseCookies(ctx.req.headers.cookie);
  for (const name in cookies) {
    if (declared.cookie.has(name)) continue;
    const d = judgeAll(cookies[name], `cookie.${name}`, judge);
    if (d !== undefined) return d;
  }
  const headers = ctx.req.headers;
  for (const name in headers) {
    if (declared.header.has(name) || PROTOCOL_HEADERS.has(name) || name.startsWith('sec-') || name.startsWith('x-forwarded-')) continue;
    const d = judgeAll(headers[name], `header.${name}`, judge);
    if (d !== undefined) return d;
  }
  if (declared.scanPath) {
    for (const segment of ctx.path.split('/')) {
      if (segment === '') continue;
      let decoded = segment;
      try { decoded = decodeURIComponent(segment); } catch { /* judged as sent */ }
      const d = judgeAll(decoded, 'path', judge);
      if (d !== undefined) return d;
    }
  }
  return undefined;
}
