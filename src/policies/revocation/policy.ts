import { revocationsFor } from '../../anomaly/registry.js';
import type { RequestContext } from '../../gateway/context.js';
import type { PhaseResult, PolicyFactory, PolicyInstance } from '../types.js';
import { identityRevocation, throttled } from './checks.js';

/**
 * Tightened limits on identities (`throttle` revocations), right after authentication, which
 * has set `ctx.identity`. Blocked identities, credentials and tokens are refused by the
 * authentication policy itself, with the answer an invalid credential gets; blocked and
 * throttled addresses before routing (address-gate.ts). The check is a few Map lookups in this
 * instance's copy of the list (kept in step across the cluster by pub/sub); only a throttled
 * caller costs a store call.
 */
export const revocationPolicy: PolicyFactory = ({ scope }) => {
  const list = revocationsFor(scope.services);
  if (list === undefined) return undefined;
  const counters = scope.services.store.counters;
  const instance: PolicyInstance = {
    name: 'revocation',
    mode: 'enforce',
    request(ctx: RequestContext): PhaseResult {
      const identity = ctx.identity;
      if (identity === undefined || list.size === 0) return undefined;
      const r = identityRevocation(list, identity);
      return r?.action === 'throttle' ? throttled(counters, r) : undefined;
    },
  };
  return instance;
};
