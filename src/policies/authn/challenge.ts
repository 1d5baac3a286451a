import type { Denial } from '../../errors/index.js';
import type { AuthnFailure } from '../../identity/jwt-verifier.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import type { Authenticator } from './types.js';

/** The codes a client may see for a refused credential. */
type WireCode = 'GH_AUTHN_INVALID' | 'GH_AUTHN_TOKEN_EXPIRED' | 'GH_DEPENDENCY_UNAVAILABLE';

/** Short, safe details: they say what class of problem, never which check failed. */
const DETAIL: Record<WireCode, string> = {
  GH_AUTHN_INVALID: 'the credentials could not be verified',
  GH_AUTHN_TOKEN_EXPIRED: 'the credentials have expired',
  GH_DEPENDENCY_UNAVAILABLE: 'the identity provider is unavailable; try again later',
};

/**
 * What the client is told about a refused credential. A revoked credential (a key revoked with
 * `gatehouse keys revoke`, an identity, credential or token on the revocation list) gets the
 * answer of one that never existed: a different answer would tell whoever holds a stolen or
 * guessed credential that it is (or was) real. So does an expired API key, whose expiry is only
 * known once its secret has matched. An expired JWT keeps its own code: only a holder of a
 * validly signed token learns it, and clients need it to refresh. The real code and reason go to
 * the log and the decision trail.
 */
export function wireCode(failure: AuthnFailure, authenticator: Authenticator): WireCode {
  const code = failure.code;
  if (code === 'GH_AUTHN_REVOKED') return 'GH_AUTHN_INVALID';
  if (code === 'GH_AUTHN_TOKEN_EXPIRED' && authenticator.kind === 'api-key') return 'GH_AUTHN_INVALID';
  return code;
}

/**
 * The answer to a refused credential. 401s carry a challenge (RFC 9110 §15.5.2); for bearer
 * schemes with `error="invalid_token"` (RFC 6750 §3.1). An unavailable identity provider is a
 * 503 without a challenge: the client's credential may well be fine.
 */
export function challengeFor(failure: AuthnFailure, authenticator: Authenticator, rt: IdentityRuntime): Denial {
  const code = wireCode(failure, authenticator);
  const detail = DETAIL[code];
  if (code === 'GH_DEPENDENCY_UNAVAILABLE') return { code, detail, headers: { 'retry-after': '5' } };
  const challenge = authenticator.bearer
    ? `Bearer realm="${rt.config.realm}", error="invalid_token", error_description="${detail}"`
    : authenticator.challenge;
  return { code, detail, headers: { 'www-authenticate': challenge } };
}
