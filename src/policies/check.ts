import type { RawProblem } from '../config/problem.js';
import type { ApiConfig, GatehouseConfig } from '../config/types.js';
import type { LoadedSpec, Operation } from '../openapi/types.js';
import { authenticationOf } from './authn/schemes.js';
import { maskingProblems } from './masking/check.js';
import { objectAuthProblems } from './object-auth/check.js';
import { isExplicit, operationNameProblems, selectorProblems, type SpecOperations } from './scopes/selector.js';
import { stepUpProblems } from './step-up/check.js';

/** Scheme names the gateway understands without a spec declaring them (see authn/schemes.ts). */
const BUILT_IN_SCHEMES = new Set(['http', 'oauth2', 'openIdConnect', 'bearer', 'jwt', 'introspection', 'apiKey', 'mutualTLS', 'mtls']);

/**
 * Everything about an API's policies that can be known before the first request and would
 * otherwise make a protection silently absent: a rule naming an operation, tag or path the spec
 * does not have, an object-level rule whose parameter the operation lacks, a masking path that
 * matches nothing, a fallback scheme nothing can check, a signed identity token with no key.
 * The gateway refuses to start (or to reload) with any of them; `check-config` lists them all.
 * Policy factories rely on these checks having passed.
 */
export function policyProblems(config: GatehouseConfig, index: number, spec: LoadedSpec, shadowed: ReadonlyMap<Operation, Operation>): RawProblem[] {
  const api = config.apis[index] as ApiConfig;
  const ops: SpecOperations = { file: spec.file, operations: spec.operations, shadowed };
  const at = (name: string): (string | number)[] => ['apis', index, 'policies', name];
  const p = api.policies;
  const problems: RawProblem[] = [];

  const authentication = authenticationOf(api);
  if (authentication.mode !== 'off') {
    problems.push(...operationNameProblems(ops, authentication.public, [...at('authentication'), 'public']));
    authentication.fallback.forEach((names, i) => names.forEach((name, j) => {
      const scheme = spec.securitySchemes[name];
      if (scheme === undefined && !BUILT_IN_SCHEMES.has(name)) {
        problems.push({ path: [...at('authentication'), 'fallback', i, ...(names.length > 1 ? [j] : [])], message: `"${name}" is neither a security scheme of ${spec.file} nor one of ${[...BUILT_IN_SCHEMES].join(', ')}: no credential could ever satisfy it` });
      }
    }));
  }
  if (p.authorization !== undefined && p.authorization.mode !== 'off') {
    p.authorization.rules.forEach((rule, i) => {
      if (isExplicit(rule)) problems.push(...selectorProblems(ops, rule, [...at('authorization'), 'rules', i]));
    });
    const admin = p.authorization.admin;
    if (admin !== undefined && isExplicit(admin)) problems.push(...selectorProblems(ops, admin, [...at('authorization'), 'admin']));
  }
  if (p.objectAuth !== undefined) problems.push(...objectAuthProblems(ops, p.objectAuth, at('objectAuth')));
  if (p.stepUp !== undefined) problems.push(...stepUpProblems(ops, p.stepUp, at('stepUp')));
  if (p.rateLimit !== undefined && p.rateLimit.mode !== 'off') {
    p.rateLimit.limits.forEach((rule, i) => {
      if (rule.operations !== undefined) problems.push(...operationNameProblems(ops, rule.operations, [...at('rateLimit'), 'limits', i, 'operations']));
    });
  }
  if (p.masking !== undefined) problems.push(...maskingProblems(ops, p.masking, p.contract, at('masking')));
  if (p.forwardIdentity?.token !== undefined && config.identity.signing === undefined) {
    problems.push({ path: [...at('forwardIdentity'), 'token'], message: 'needs identity.signing (the key the gateway signs the forwarded token with); without it every request would fail' });
  }
  return problems;
}
