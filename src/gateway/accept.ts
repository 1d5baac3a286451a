import type { LimitsConfig } from '../config/types.js';
import type { Denial } from '../errors/index.js';
import type { RequestContext } from './context.js';
import { normalizePath } from './path.js';

const URI_TOO_LONG: Denial = { code: 'GH_REQUEST_URI_TOO_LONG' };
const TOO_MANY_HEADERS: Denial = { code: 'GH_REQUEST_HEADERS_TOO_LARGE', detail: 'too many header fields' };
const NOT_ORIGIN_FORM: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'the request target must be a path (origin-form)' };

/**
 * Checks made before routing: request-target length, header count, origin-form, and the one
 * normalisation of the path (gateway/path.ts) that is both routed and forwarded.
 */
export function acceptRequest(ctx: RequestContext, limits: LimitsConfig): Denial | undefined {
  const url = ctx.req.url ?? '';
  if (url.length > limits.maxUrlLength) return URI_TOO_LONG;
  if (ctx.req.rawHeaders.length > limits.maxHeaderCount * 2) return TOO_MANY_HEADERS;
  const path = ctx.path;
  if (path.charCodeAt(0) !== 47 /* / */) return NOT_ORIGIN_FORM;
  const normalized = normalizePath(path);
  if (typeof normalized !== 'string') return normalized;
  ctx.path = normalized;
  return undefined;
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
