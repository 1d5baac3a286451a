import type { Revocation, RevocationList } from '../../anomaly/revocations.js';
import type { Denial } from '../../errors/index.js';
import type { Identity } from '../../gateway/context.js';
import type { AuthnFailure } from '../../identity/jwt-verifier.js';
import type { Counters } from '../../store/index.js';

const STORE_DOWN: Denial = { code: 'GH_DEPENDENCY_UNAVAILABLE', detail: 'rate store unavailable' };

/**
 * The revocation that applies to a verified identity: by subject, by credential id, by token
 * id, in that order. Undefined when none does.
 */
export function identityRevocation(list: RevocationList, identity: Identity): Revocation | undefined {
  if (list.size === 0 || identity.kind === 'anonymous') return undefined;
  const bySubject = list.find('subject', identity.subject);
  if (bySubject?.action === 'block') return bySubject;
  const credential = identity.credentialId === undefined ? undefined : list.find('credential', identity.credentialId);
  if (credential?.action === 'block') return credential;
  const jti = identity.claims.jti;
  const byJti = typeof jti === 'string' ? list.find('jti', jti) : undefined;
  if (byJti?.action === 'block') return byJti;
  return bySubject ?? credential ?? byJti;
}

/**
 * A blocked identity as the authentication policy sees it: a credential that does not verify.
 * Identity blocks can only be applied once the credential has been verified (before that
 * nobody knows whose it is), so the one answer that tells a caller nothing about the
 * credential it sent is the answer an invalid credential gets; see challengeFor.
 */
export function revokedCredential(r: Revocation, identity: Identity): AuthnFailure {
  const who = `${identity.subject} (${identity.kind}${identity.credentialId === undefined ? '' : `, ${identity.credentialId}`})`;
  return { ok: false, code: 'GH_AUTHN_REVOKED', reason: `${who}: ${r.kind} ${r.value} is on the revocation list (${r.reason}, by ${r.by})`, revocation: true };
}

/** A caller under a tightened limit (`throttle` revocations): GCRA per revoked value, failing closed. */
export async function throttled(counters: Counters, r: Revocation): Promise<Denial | undefined> {
  const perMinute = Math.max(1, r.perMinute ?? 10);
  try {
    const result = await counters.gcra(`revocation-throttle:${r.kind}:${r.value}`, { emissionIntervalMs: 60_000 / perMinute, burst: perMinute });
    if (result.allowed) return undefined;
    const retry = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
    return { code: 'GH_RATE_LIMITED', detail: 'this caller is under a tightened limit', headers: { 'retry-after': retry } };
  } catch {
    return STORE_DOWN; // fails closed like every limit: an outage must not lift a penalty
  }
}
