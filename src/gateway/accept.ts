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
  return undefined;
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
