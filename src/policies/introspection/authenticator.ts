import type { IdentityRuntime } from '../../identity/runtime.js';
import type { Authenticator } from '../authn/types.js';
import { bearerToken } from '../jwt/bearer.js';

/** Bearer tokens checked only by introspection (RFC 7662), JWT-shaped or not: the `introspection` scheme name in config. */
export function introspectionAuthenticator(rt: IdentityRuntime): Authenticator {
  const introspection = rt.introspection;
  return {
    kind: 'introspection',
    bearer: true,
    challenge: `Bearer realm="${rt.config.realm}"`,
    authenticate(ctx) {
      if (ctx.req.headers.authorization === undefined) return undefined;
      const token = bearerToken(ctx);
      if (token === undefined) return { ok: false, code: 'GH_AUTHN_INVALID', reason: 'malformed bearer header' };
      if (introspection === undefined) return { ok: false, code: 'GH_AUTHN_INVALID', reason: 'identity.introspection is not configured' };
      return introspection.verify(token);
    },
    // Any Authorization header counts: authenticate refuses one of another scheme as malformed.
    sent: (ctx) => ctx.req.headers.authorization !== undefined,
  };
}
