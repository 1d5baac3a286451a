import type { LimitsConfig } from '../config/types.js';
import type { Denial } from '../errors/index.js';
import type { RequestContext } from './context.js';

const URI_TOO_LONG: Denial = { code: 'GH_REQUEST_URI_TOO_LONG' };
const TOO_MANY_HEADERS: Denial = { code: 'GH_REQUEST_HEADERS_TOO_LARGE', detail: 'too many header fields' };
const NOT_ORIGIN_FORM: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'the request target must be a path (origin-form)' };
const DOT_SEGMENT: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'dot-segments, backslashes and NUL are not allowed in the path' };

/**
 * Checks made before routing. The path checks stop traversal through the gateway: `/a/../admin`
 * must not match `/a/{x}` here and then reach `/admin` upstream after normalisation, so raw and
 * percent-encoded dot-segments, backslashes (some servers read them as `/`) and NUL are refused.
 */
export function acceptRequest(ctx: RequestContext, limits: LimitsConfig): Denial | undefined {
  const url = ctx.req.url ?? '';
  if (url.length > limits.maxUrlLength) return URI_TOO_LONG;
  if (ctx.req.rawHeaders.length > limits.maxHeaderCount * 2) return TOO_MANY_HEADERS;
  const path = ctx.path;
  if (path.charCodeAt(0) !== 47 /* / */) return NOT_ORIGIN_FORM;
  if (hasUnsafeSegment(path)) return DOT_SEGMENT;
  if (path.indexOf('%') !== -1) ctx.path = decodeUnreserved(path);
  return undefined;
}

/**
 * Decodes percent-encoded unreserved characters (RFC 3986 §6.2.2.2): `/us%65rs` is `/users`, and
 * must be routed (and forwarded) as such, or an encoded twin of a path would dodge its policies.
 * Reserved characters (`%2F`, `%3F`, ...) stay encoded: they are data inside one segment.
 */
function decodeUnreserved(path: string): string {
  return path.replace(/%([0-9A-Fa-f]{2})/g, (whole, hex: string) => {
    const code = parseInt(hex, 16);
    const unreserved = (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x2d || code === 0x2e || code === 0x5f || code === 0x7e;
    return unreserved ? String.fromCharCode(code) : whole.toUpperCase();
  });
}

function hasUnsafeSegment(path: string): boolean {
  // Fast path: most paths contain neither '.', '%' nor '\\'.
  if (path.indexOf('.') === -1 && path.indexOf('%') === -1 && path.indexOf('\\') === -1) return false;
  let decoded = path;
  if (path.indexOf('%') !== -1) {
    const lower = path.toLowerCase();
    if (lower.includes('%00') || lower.includes('%5c')) return true;
    // Double encoding (%252e) is decoded twice: some upstreams decode again.
    decoded = lower.replaceAll('%25', '%').replaceAll('%2e', '.').replaceAll('%2f', '/');
  }
  if (decoded.indexOf('\\') !== -1) return true;
  for (const segment of decoded.split('/')) {
    if (segment === '.' || segment === '..') return true;
  }
  return false;
}

/**
 * The body size limit for a request's content type: an exact media type from
 * `limits.maxBodyBytesByType`, then its `type/*`, then `maxBodyBytes`. Uploads can get a larger
 * allowance than JSON without raising the limit for every body.
 */
export function bodyLimitFor(contentType: string | undefined, limits: LimitsConfig): number {
  const byType = limits.maxBodyBytesByType;
  if (contentType === undefined) return limits.maxBodyBytes;
  // Fast path: no per-type limits configured (the usual case) costs one property walk.
  for (const _ in byType) {
    const semi = contentType.indexOf(';');
    const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
    const exact = byType[media];
    if (exact !== undefined) return exact;
    const slash = media.indexOf('/');
    const wildcard = slash === -1 ? undefined : byType[`${media.slice(0, slash)}/*`];
    return wildcard ?? limits.maxBodyBytes;
  }
  return limits.maxBodyBytes;
}
