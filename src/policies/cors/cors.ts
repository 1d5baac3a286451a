import type { OutgoingHttpHeaders } from 'node:http';
import type { Denial } from '../../errors/index.js';
import type { RequestContext } from '../../gateway/context.js';
import type { CorsConfig } from './config.js';

/** The CORS response header names: when the gateway answers CORS for an API, the upstream's copies are dropped. */
export const CORS_RESPONSE_HEADERS = [
  'access-control-allow-origin', 'access-control-allow-credentials', 'access-control-expose-headers',
  'access-control-allow-methods', 'access-control-allow-headers', 'access-control-max-age',
];

/** Headers a page sends without listing them in a preflight's Access-Control-Request-Headers (Fetch §4.8 "CORS-safelisted"). */
const SAFELISTED = new Set(['accept', 'accept-language', 'content-language']);

const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** One API's CORS policy, compiled: the answer to every origin question is a set lookup or a short suffix scan. */
export interface CompiledCors {
  readonly mode: 'enforce' | 'monitor';
  /** Whether a cross-origin page at `origin` may call this API. */
  allows(origin: string): boolean;
  /**
   * A request that is not a preflight, from a page at `origin`: the answer headers when the
   * origin is allowed (added to whatever the gateway answers), else the refusal.
   */
  actual(ctx: RequestContext, origin: string): Denial | undefined;
  /**
   * Answers a preflight (OPTIONS with Origin and Access-Control-Request-Method) before routing
   * to an operation, the contract or authentication run: a preflight carries no credentials and
   * no body, and its only question is whether the real request may be sent. `served` tells
   * whether the API serves the requested method at this path.
   */
  preflight(ctx: RequestContext, origin: string, method: string, served: boolean): Denial | PreflightAnswer;
}

export interface PreflightAnswer {
  readonly headers: OutgoingHttpHeaders;
}

export function isPreflightAnswer(value: Denial | PreflightAnswer): value is PreflightAnswer {
  return 'headers' in value && !('code' in value);
}

const ORIGIN_REFUSED: Denial = { code: 'GH_CORS_ORIGIN_NOT_ALLOWED' };

export function compileCors(config: CorsConfig | undefined): CompiledCors | undefined {
  if (config === undefined || config.mode === 'off') return undefined;
  const any = config.origins.length === 1 && config.origins[0] === '*';
  const exact = new Set<string>();
  // `https://*.example.com` -> scheme prefix `https://`, suffix `.example.com` (with any port).
  const wildcards: { prefix: string; suffix: string }[] = [];
  for (const origin of config.origins) {
    const star = origin.indexOf('://*.');
    if (star === -1) exact.add(origin);
    else wildcards.push({ prefix: origin.slice(0, star + 3), suffix: origin.slice(star + 4) });
  }
  const methods = config.methods === undefined ? undefined : new Set(config.methods);
  const headers = new Set(config.headers);
  const expose = config.exposeHeaders.join(', ');
  const credentials = config.credentials;
  const maxAge = String(config.maxAgeSeconds);

  const allows = (origin: string): boolean => {
    if (any || exact.has(origin)) return true;
    for (const { prefix, suffix } of wildcards) {
      if (origin.length <= prefix.length + suffix.length || !origin.startsWith(prefix) || !origin.endsWith(suffix)) continue;
      // The part the star stands for is one or more DNS labels, never a path or userinfo that
      // would make `https://evil.test/.example.com` end the same way.
      if (/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(origin.slice(prefix.length, origin.length - suffix.length))) return true;
    }
    return false;
  };
  // Any origin without credentials: `*`, so shared caches may keep one copy. Otherwise the
  // origin itself, never a list (browsers accept exactly one origin).
  const allowOrigin = (origin: string): string => (any && !credentials ? '*' : origin);

  return {
    mode: config.mode,
    allows,
    actual(ctx, origin) {
      if (!allows(origin)) return sameOrigin(ctx, origin) ? undefined : ORIGIN_REFUSED;
      const out = ctx.responseHeaders ??= {};
      out['access-control-allow-origin'] = allowOrigin(origin);
      if (credentials) out['access-control-allow-credentials'] = 'true';
      if (expose !== '') out['access-control-expose-headers'] = expose;
      return undefined;
    },
    preflight(ctx, origin, method, served) {
      if (!allows(origin)) return ORIGIN_REFUSED;
      if (!METHOD.test(method) || !served || (methods !== undefined && !methods.has(method))) {
        return { code: 'GH_CORS_PREFLIGHT_REFUSED', detail: `cross-origin ${METHOD.test(method) ? method : 'such'} requests are not allowed here` };
      }
      const requested = headerList(ctx.req.headers['access-control-request-headers']);
      for (const name of requested) {
        if (!headers.has(name) && !SAFELISTED.has(name)) {
          return { code: 'GH_CORS_PREFLIGHT_REFUSED', detail: METHOD.test(name) ? `the header ${name} is not allowed in cross-origin requests` : 'a requested header is not allowed in cross-origin requests' };
        }
      }
      const out: OutgoingHttpHeaders = {
        'access-control-allow-origin': allowOrigin(origin),
        'access-control-allow-methods': method,
        'access-control-max-age': maxAge,
      };
      if (requested.length > 0) out['access-control-allow-headers'] = requested.join(', ');
      if (credentials) out['access-control-allow-credentials'] = 'true';
      return { headers: out };
    },
  };
}

/** The page is on the gateway's own origin: browsers send Origin on same-origin writes too, and no CORS applies. */
function sameOrigin(ctx: RequestContext, origin: string): boolean {
  // HTTP/2 names the host in `:authority`, which may come without a Host header.
  const headers = ctx.req.headers;
  const host = headers.host ?? (headers[':authority'] as string | undefined);
  if (host === undefined) return false;
  const scheme = ctx.secure ? 'https://' : 'http://';
  return origin.length === scheme.length + host.length && origin.startsWith(scheme) && origin.endsWith(host.toLowerCase());
}

function headerList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of (Array.isArray(value) ? value.join(',') : value).split(',')) {
    const name = part.trim().toLowerCase();
    if (name !== '') out.push(name);
  }
  return out;
}
