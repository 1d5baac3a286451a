import { revocationsFor } from '../../anomaly/registry.js';
import type { Denial } from '../../errors/index.js';
import type { GatewayServices } from '../../gateway/services.js';
import { throttled } from './checks.js';

const BLOCKED_IP: Denial = { code: 'GH_BLOCKED', detail: 'requests from this address are temporarily blocked' };

/** Checks a client address against the revocation list; see addressGate. */
export type AddressGate = (clientIp: string) => Denial | undefined | Promise<Denial | undefined>;

/**
 * Blocked and throttled client addresses, checked in the accept phase, before routing and
 * authentication. A blocked address gets one answer, 403 `GH_BLOCKED`, whatever it sends: were
 * the block applied after authentication, a wrong key would get 401 and a valid one 403, and the
 * block would turn into a password oracle; were it applied after routing, 404 against 403 would
 * keep telling the blocked caller which paths exist. Undefined when the gateway has no
 * revocation list (nothing to check: no cost on the request path).
 */
export function addressGate(services: GatewayServices): AddressGate | undefined {
  const list = revocationsFor(services);
  if (list === undefined) return undefined;
  const counters = services.store.counters;
  return (clientIp) => {
    if (list.size === 0) return undefined;
    const r = list.find('ip', clientIp);
    if (r === undefined) return undefined;
    return r.action === 'throttle' ? throttled(counters, r) : BLOCKED_IP;
  };
}
