import { detectHeader, detectParameter, detectPath, type DetectContext, type Detection } from '../../detect/index.js';
import type { RequestContext } from '../../gateway/context.js';
import { parseCookies, repeatedCookies } from '../../gateway/headers.js';

/** What the operation declares; everything else is scanned in `scan: all` mode. */
export interface Declared {
  readonly query: ReadonlySet<string>;
  readonly header: ReadonlySet<string>;
  readonly cookie: ReadonlySet<string>;
  /** Unmatched traffic has no path template: scan the path's segments. */
  readonly scanPath: boolean;
}

/**
 * Scans what the contract does not declare, everywhere a value can arrive: query parameters (names too),
 * cookies, the headers applications read (User-Agent, Referer, Origin, X-Forwarded-*, custom ones; protocol
 * headers only for the lookups exploits spray into every header; credentials never), and the path of
 * unmatched traffic. The detectors decide how each header is read (src/detect/request/headers.ts).
 */
export function scanUndeclared(ctx: RequestContext, declared: Declared, context: DetectContext): Detection | undefined {
  const query = ctx.query;
  if (query !== undefined) {
    for (const key in query) {
      if (declared.query.has(key)) continue;
      const value = query[key];
      for (const v of Array.isArray(value) ? value : [value ?? '']) {
        const d = detectParameter(key, v, `query.${key}`, context);
        if (d !== undefined) return d;
      }
    }
  }
  const cookies = ctx.cookies ??= parseCookies(ctx.req.headers.cookie);
  for (const name in cookies) {
    if (declared.cookie.has(name)) continue;
    const d = detectParameter(name, cookies[name] ?? '', `cookie.${name}`, context);
    if (d !== undefined) return d;
  }
  // Every copy of a repeated name: an upstream that reads the last would act on one never scanned.
  const repeated = repeatedCookies(cookies);
  if (repeated !== undefined) {
    for (const [name, values] of repeated) {
      for (const v of values) {
        const d = detectParameter(name, v, `cookie.${name}`, context);
        if (d !== undefined) return d;
      }
    }
  }
  const headers = ctx.req.headers;
  const out: Detection[] = [];
  for (const name in headers) {
    if (declared.header.has(name) || name === 'cookie') continue;
    const value = headers[name];
    for (const v of Array.isArray(value) ? value : [value ?? '']) {
      detectHeader(name, v, context, out);
      if (out.length > 0) return out[0];
    }
  }
  if (declared.scanPath) return detectPath(ctx.path, context);
  return undefined;
}
