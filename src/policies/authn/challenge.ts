import type { Denial } from '../../errors/index.js';
import type { AuthnFailure } from '../../identity/jwt-verifier.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import type { Authenticator } from './types.js';

/** Short, safe details: they say what class of problem, never which check failed. */
const DETAIL: Record<AuthnFailure['code'], string> = {
  GH_AUTHN_INVALID: 'the credentials could not be verified',
  GH_AUTHN_TOKEN_EXPIRED: 'the credentials have expired',
  GH_AUTHN_REVOKED: 'the credentials have been revoked',
  GH_DEPENDENCY_UNAVAILABLE: 'the identity provider is unavailable; try again later',
};

/**
 * The answer to a refused credential. 401s carry a challenge (RFC 9110 §15.5.2); for bearer
 * schemes with `error="invalid_token"` (RFC 6750 §3.1). An unavailable identity provider is a
 * 503 without a challenge: the client's credential may well be fine.
 */
export function challengeFor(failure: AuthnFailure, authenticator: Authenticator, rt: IdentityRuntime): Denial {
  const detail = DETAIL[failure.code];
  if (failure.code === 'GH_DEPENDENCY_UNAVAILABLE') return { code: failure.code, detail, headers: { 'retry-after': '5' } };
  const challenge = authenticator.bearer
    ? `Bearer realm="${rt.config.realm}", error="invalid_token", error_description="${detail}"`
    : authenticator.challenge;
  return { code: failure.code, detail, headers: { 'www-authenticate': challenge } };
}
