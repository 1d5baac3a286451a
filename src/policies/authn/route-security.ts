import type { ApiConfig } from '../../config/types.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import type { LoadedSpec, Operation } from '../../openapi/types.js';
import type { RuntimeScope } from '../types.js';
import { authenticationOf, compileRequirements, requirementsFor, resolveScheme, type CompiledRequirement, type ResolvedScheme } from './schemes.js';

export interface RouteSecurity {
  /** The alternatives that name schemes; an empty one (`{}`) is not listed but sets `optional`. */
  readonly requirements: readonly CompiledRequirement[];
  /**
   * An empty requirement object (`{}`) makes authentication optional (OpenAPI 3 §4.8.30): a
   * caller that sends no credential passes as anonymous, one that sends a credential has it
   * checked like on a protected operation.
   */
  readonly optional: boolean;
  /** `bearer[orders:read] | apiKey`: the rule named in the decision trail. */
  readonly summary: string;
}

/**
 * The compiled security of one route, shared by the authentication and authorization policies
 * of that route (compiled once per runtime; schemes once per API).
 */
export function routeSecurity(scope: RuntimeScope, rt: IdentityRuntime, api: ApiConfig, spec: LoadedSpec, operation: Operation | undefined): RouteSecurity {
  return scope.once(`identity:route:${api.name}:${operation?.id ?? '(unmatched)'}`, () => {
    const schemes = scope.once(`identity:schemes:${api.name}`, () => new Map<string, ResolvedScheme>());
    const resolve = (name: string): ResolvedScheme => {
      let s = schemes.get(name);
      if (s === undefined) {
        s = resolveScheme(name, spec, rt, scope.services.logger);
        schemes.set(name, s);
      }
      return s;
    };
    const authentication = authenticationOf(api);
    const requirements = authentication.mode === 'off' ? [] : compileRequirements(requirementsFor(operation, authentication), resolve);
    return {
      requirements: requirements.filter((r) => r.schemes.length > 0),
      optional: requirements.some((r) => r.schemes.length === 0),
      summary: requirements.length === 0 ? 'public' : requirements.map((r) => r.label).join(' | '),
    };
  });
}
