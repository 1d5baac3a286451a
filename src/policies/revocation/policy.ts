import { revocationsFor } from '../../anomaly/registry.js';
import type { Revocation } from '../../anomaly/revocations.js';
import type { RequestContext } from '../../gateway/context.js';
import type { Denial } from '../../errors/index.js';
import type { PhaseResult, PolicyFactory, PolicyInstance } from '../types.js';

const BLOCKED_IP: Denial = { code: 'GH_BLOCKED', detail: 'requests from this address are temporarily blocked' };
const REVOKED: Denial = { code: 'GH_AUTHN_REVOKED', headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="revoked"' } };
const STORE_DOWN: Denial = { code: 'GH_DEPENDENCY_UNAVAILABLE', detail: 'rate store unavailable' };

/**
 * Refuses blocked addresses and revoked identities, credentials and tokens, and applies the
 * tightened limits automatic responses impose. Runs right after authentication, so it sees
 * `ctx.identity`. The check is a few Map lookups in this instance's copy of the list (kept in
 * step across the cluster by pub/sub); only a throttled caller costs a store call.
 */
export const revocationPolicy: PolicyFactory = ({ scope }) => {
  const list = revocationsFor(scope.services);
  if (list === undefined) return undefined;
  const counters = scope.services.store.counters;

  const throttle = async (r: Revocation): Promise<Denial | undefined> => {
    const perMinute = Math.max(1, r.perMinute ?? 10);
    try {
      const result = await counters.gcra(`revocation-throttle:${r.kind}:${r.value}`, { emissionIntervalMs: 60_000 / perMinute, burst: perMinute });
      if (result.allowed) return undefined;
      const retry = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
      return { code: 'GH_RATE_LIMITED', detail: 'this caller is under a tightened limit', headers: { 'retry-after': retry } };
    } catch {
      return STORE_DOWN; // fails closed like every limit: an outage must not lift a penalty
    }
  };

  const verdict = (r: Revocation, denial: Denial): PhaseResult => (r.action === 'throttle' ? throttle(r) : denial);

  const instance: PolicyInstance = {
    name: 'revocation',
    mode: 'enforce',
    request(ctx: RequestContext): PhaseResult {
      if (list.size === 0) return undefined;
      const byIp = list.find('ip', ctx.clientIp);
      if (byIp !== undefined) return verdict(byIp, BLOCKED_IP);
      const identity = ctx.identity;
      if (identity === undefined || identity.kind === 'anonymous') return undefined;
      const bySubject = list.find('subject', identity.subject);
      if (bySubject !== undefined) return verdict(bySubject, REVOKED);
      if (identity.credentialId !== undefined) {
        const byCredential = list.find('credential', identity.credentialId);
        if (byCredential !== undefined) return verdict(byCredential, REVOKED);
      }
      const jti = identity.claims.jti;
      if (typeof jti === 'string') {
        const byJti = list.find('jti', jti);
        if (byJti !== undefined) return verdict(byJti, REVOKED);
      }
      return undefined;
    },
  };
  return instance;
};
