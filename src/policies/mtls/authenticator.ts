import type { TLSSocket } from 'node:tls';
import type { IdentityRuntime } from '../../identity/runtime.js';
import type { Authenticator } from '../authn/types.js';

/**
 * The client certificate of an mTLS connection (`listen.https.clientCa`). Plain-HTTP requests
 * carry no certificate: on the http listener this scheme always answers "none sent".
 */
export function mtlsAuthenticator(rt: IdentityRuntime): Authenticator {
  return {
    kind: 'mtls',
    bearer: false,
    challenge: `Mutual realm="${rt.config.realm}"`,
    authenticate(ctx) {
      if (!ctx.secure) return undefined;
      return rt.mtls.identify(ctx.req.socket as TLSSocket);
    },
    // identify() is cached per connection, so authenticate() does not repeat the work.
    sent: (ctx) => ctx.secure && rt.mtls.identify(ctx.req.socket as TLSSocket) !== undefined,
  };
}
