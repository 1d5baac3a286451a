import { authFailurePolicy } from './auth-failure/policy.js';
import { authenticationPolicy } from './authn/policy.js';
import { identityForwardPolicy } from './identity-forward/policy.js';
import { objectAuthPolicy } from './object-auth/policy.js';
import { authorizationPolicy } from './scopes/policy.js';
import { stepUpPolicy } from './step-up/policy.js';
import { concurrencyPolicy } from './concurrency/policy.js';
import { injectionPolicy } from './injection/policy.js';
import { inventoryPolicy } from '../inventory/policy.js';
import { maskingPolicy } from './masking/policy.js';
import { rateLimitPolicy } from './rate-limit/policy.js';
import { requestSchemaPolicy } from './request-schema/policy.js';
import { responseFilterPolicy } from './response-filter/policy.js';
import { revocationPolicy } from './revocation/policy.js';
import type { PolicyFactory } from './types.js';

/**
 * Every policy, in pipeline order (Kong's phases, Envoy's filter chain): who is calling, what
 * they may do, how much, and whether the request honours the contract. Response-side handlers
 * run in the reverse of this order.
 */
export const POLICY_FACTORIES: readonly PolicyFactory[] = [
  // Brute-force defence first: a caller whose failure budget is spent gets no further guess.
  // Identity policies (authentication) follow it.
  authFailurePolicy,
  // Response-side handlers run bottom-up: the contract strips undeclared fields first, then
  // masking rewrites what is left (a masked value need not match the declared pattern).
  maskingPolicy,
  // Who is calling (a blocked identity is refused there, as an invalid credential), then the
  // tightened limits of throttled identities, before anything that answers differently for a
  // valid credential (a 403 for a missing scope would tell a blocked caller its key is good).
  // Blocked and throttled addresses are refused before routing (revocation/address-gate.ts).
  authenticationPolicy,
  revocationPolicy,
  // What they may do: scopes/roles, the object they touch, how recently they logged in; then the
  // verified identity is handed to the upstream.
  authorizationPolicy,
  objectAuthPolicy,
  stepUpPolicy,
  identityForwardPolicy,
  // Limits run after authentication (they key on the identity) and before the contract, so a
  // flood of invalid requests is limited too.
  rateLimitPolicy,
  concurrencyPolicy,
  requestSchemaPolicy,
  // After the contract: parameters are parsed, the body is parsed and malformed input refused.
  injectionPolicy,
  responseFilterPolicy,
  // Last, so its response handler runs first: it samples body shapes before strip and masking.
  inventoryPolicy,
];

export type { PolicyFactory, PolicyInstance, PolicyFactoryInput } from './types.js';
