import type { RequestContext } from '../../gateway/context.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import type { Authenticator } from '../authn/types.js';

export interface ApiKeyLocation {
  readonly in: 'header' | 'query' | 'cookie';
  /** Header names lower-case. */
  readonly name: string;
}

/**
 * API keys issued by `gatehouse keys`. Read from a header; from the query string or a cookie only
 * when the spec declares that location (a key in a URL ends up in access logs, browser history
 * and Referer headers, so the policy logs a warning for it at load time).
 */
export function apiKeyAuthenticator(rt: IdentityRuntime, where: ApiKeyLocation): Authenticator {
  const read = reader(where);
  return {
    kind: 'api-key',
    bearer: false,
    challenge: `ApiKey realm="${rt.config.realm}", ${where.in}="${where.name}"`,
    authenticate(ctx) {
      const key = read(ctx);
      return key === undefined || key === '' ? undefined : rt.apiKeys.verify(key);
    },
    sent(ctx) {
      const key = read(ctx);
      return key !== undefined && key !== '';
    },
  };
}

function reader(where: ApiKeyLocation): (ctx: RequestContext) => string | undefined {
  const name = where.name;
  if (where.in === 'header') {
    return (ctx) => {
      const value = ctx.req.headers[name];
      return typeof value === 'string' ? value.trim() : undefined;
    };
  }
  if (where.in === 'query') {
    return (ctx) => {
      const value = ctx.query?.[name];
      return typeof value === 'string' ? value : undefined;
    };
  }
  return (ctx) => {
    const cookie = ctx.req.headers.cookie;
    if (cookie === undefined) return undefined;
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
    return undefined;
  };
}
