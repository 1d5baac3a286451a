import { maskingPolicy } from './masking/policy.js';
import { rateLimitPolicy } from './rate-limit/policy.js';
import { requestSchemaPolicy } from './request-schema/policy.js';
import { responseFilterPolicy } from './response-filter/policy.js';
import type { PolicyFactory } from './types.js';

/**
 * Every policy, in pipeline order (Kong's phases, Envoy's filter chain): who is calling, what
 * they may do, how much, and whether the request honours the contract. Response-side handlers
 * run in the reverse of this order.
 */
export const POLICY_FACTORIES: readonly PolicyFactory[] = [
  // Response-side handlers run bottom-up: the contract strips undeclared fields first, then
  // masking rewrites what is left (a masked value need not match the declared pattern).
  maskingPolicy,
  // Limits run after authentication (they key on the identity) and before the contract, so a
  // flood of invalid requests is limited too.
  rateLimitPolicy,
  requestSchemaPolicy,
  responseFilterPolicy,
];

export type { PolicyFactory, PolicyInstance, PolicyFactoryInput } from './types.js';
