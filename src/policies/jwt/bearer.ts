import type { RequestContext } from '../../gateway/context.js';
import type { AuthnResult, Cached } from '../../identity/jwt-verifier.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import type { Authenticator } from '../authn/types.js';

/** RFC 6750 §2.1: `Bearer` then a token68 (base64url, base64 and a few more, `=` padding at the end only). */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** An Authorization header of another scheme (Basic...) is not a bearer credential. */
const BEARER_SCHEME = /^bearer\b/i;

/** The token of an `Authorization: Bearer` header; undefined when there is none (query-string tokens are never read). */
export function bearerToken(ctx: RequestContext): string | undefined {
  const header = ctx.req.headers.authorization;
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1];
}

function looksLikeJwt(token: string): boolean {
  const first = token.indexOf('.');
  return first > 0 && token.indexOf('.', first + 1) > first + 1;
}

/**
 * Bearer tokens for `http: bearer`, `oauth2` and `openIdConnect` schemes: JWTs are verified
 * locally against the configured issuers; opaque tokens (or every token, when no issuer is
 * configured) go to the introspection endpoint. With neither configured every token fails.
 */
export function bearerAuthenticator(rt: IdentityRuntime): Authenticator {
  const jwt = rt.jwt;
  const introspection = rt.introspection;
  const realm = rt.config.realm;
  // The last cached verification used on each client connection, dropped with the connection.
  // Per authenticator, so only this runtime's verifier ever judges an entry (a reload starts afresh).
  const lastOnConnection = new WeakMap<object, { readonly header: string; readonly verification: Cached }>();
  return {
    kind: 'bearer',
    bearer: true,
    challenge: `Bearer realm="${realm}"`,
    authenticate(ctx): AuthnResult | Promise<AuthnResult> | undefined {
      const header = ctx.req.headers.authorization;
      if (header === undefined) return undefined;
      const connection = ctx.req.socket;
      if (jwt !== undefined) {
        // A keep-alive connection usually carries one token: the same header as last time, still
        // current, is answered without parsing the header or looking the token up.
        const last = lastOnConnection.get(connection);
        if (last !== undefined && last.header === header) {
          const result = jwt.current(last.verification);
          if (result !== undefined) return result;
        }
      }
      const token = bearerToken(ctx);
      if (token === undefined) return BEARER_SCHEME.test(header) ? { ok: false, code: 'GH_AUTHN_INVALID', reason: 'malformed bearer header' } : undefined;
      if (jwt !== undefined && looksLikeJwt(token)) {
        const verification = jwt.cached(token);
        if (verification === undefined) return jwt.verify(token);
        lastOnConnection.set(connection, { header, verification });
        return verification.result;
      }
      if (introspection !== undefined) return introspection.verify(token);
      return { ok: false, code: 'GH_AUTHN_INVALID', reason: 'no issuer or introspection endpoint is configured for bearer tokens' };
    },
    sent(ctx) {
      const header = ctx.req.headers.authorization;
      return header !== undefined && BEARER_SCHEME.test(header);
    },
  };
}
