import type { Observation } from '../../src/inventory/observation.js';

let n = 0;

/** An observation with sensible defaults, for feeding detectors directly. */
export function obs(over: Partial<Observation>): Observation {
  n++;
  return {
    ts: 0, requestId: `r${n}`, api: 'shop', operation: 'getUser', deprecated: false, method: 'GET', path: '/users/{userId}', unmatched: false,
    status: 200, identityClass: 'jwt', caller: 'sub:alice', ip: '10.0.0.1', subject: 'alice', credentialId: undefined, jti: undefined, exp: undefined,
    requestBytes: 0, responseBytes: 500, latencyMs: 5, code: undefined, objectKey: '1', requestShape: undefined, responseShape: undefined,
    ...over,
  };
}
