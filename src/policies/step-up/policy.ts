import type { Denial } from '../../errors/index.js';
import type { Identity } from '../../gateway/context.js';
import { claimString, stringsOf } from '../../identity/claims.js';
import { identityRuntime } from '../../identity/runtime.js';
import { noteRefusal, recordDecision } from '../authn/decisions.js';
import { routeSecurity } from '../authn/route-security.js';
import { identityDependentMode } from '../authn/schemes.js';
import { selects } from '../scopes/selector.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import type { StepUpRule } from './config.js';

/**
 * Step-up authentication for sensitive operations (RFC 9470): the token must show a strong
 * enough method (`acr`, `amr`) and a recent enough login (`auth_time`). Otherwise 401 with a
 * challenge `error="insufficient_user_authentication"` naming the `acr_values` and `max_age`
 * the client must ask its authorization server for. Operations are selected by rule, or by the
 * spec extension `x-gatehouse-sensitive: true` for rules without a selector.
 */
export const stepUpPolicy: PolicyFactory = ({ scope, config, api, spec, operation }) => {
  const settings = api.policies.stepUp;
  if (settings === undefined || settings.mode === 'off' || operation === undefined) return undefined;
  const rules = settings.rules.filter((r) => {
    const explicit = r.operations !== undefined || r.tags !== undefined || r.paths !== undefined || r.methods !== undefined || r.extension !== undefined;
    return explicit ? selects(r, operation) : operation.extensions['x-gatehouse-sensitive'] === true;
  });
  if (rules.length === 0) return undefined;
  const rt = identityRuntime(scope, config);
  const summary = routeSecurity(scope, rt, api, spec, operation).summary;
  const logger = scope.services.logger;
  const mode = identityDependentMode(api, settings.mode);
  const labels = rules.map((r) => `stepUp.rules[${settings.rules.indexOf(r)}]`);
  const denials = rules.map((r) => challenge(rt.config.realm, r));

  const instance: PolicyInstance = {
    name: 'step-up',
    mode,
    request(ctx) {
      const identity = ctx.identity;
      for (let i = 0; i < rules.length; i++) {
        const reason = identity === undefined ? 'no identity established' : unmet(rules[i] as StepUpRule, identity, Date.now());
        if (reason !== undefined) {
          const denial = denials[i] as Denial;
          noteRefusal(ctx, { policy: 'step-up', rule: labels[i] as string, reason, code: denial.code, mode });
          return denial;
        }
      }
      return undefined;
    },
    log(ctx) {
      recordDecision(ctx, rt, summary, logger);
    },
  };
  return instance;
};

/** Why the identity falls short of the rule, or undefined when it meets it. */
export function unmet(rule: StepUpRule, identity: Identity, now: number): string | undefined {
  const claims = identity.claims;
  if (rule.acr.length > 0) {
    const acr = claimString(claims.acr);
    if (acr === undefined || !rule.acr.includes(acr)) return `acr ${acr ?? '(none)'} is not one of ${rule.acr.join(', ')}`;
  }
  if (rule.amr.length > 0) {
    const amr = stringsOf(claims.amr);
    if (!amr.some((m) => rule.amr.includes(m))) return `amr [${amr.join(', ')}] has none of ${rule.amr.join(', ')}`;
  }
  if (rule.maxAgeMs !== undefined) {
    const authTime = claims.auth_time;
    if (typeof authTime !== 'number') return 'no auth_time claim';
    if (now - authTime * 1000 > rule.maxAgeMs) return `authentication is ${Math.round(now / 1000 - authTime)}s old, more than ${rule.maxAgeMs / 1000}s`;
  }
  return undefined;
}

/** RFC 9470 §3: the challenge says what the client must obtain. */
function challenge(realm: string, rule: StepUpRule): Denial {
  let header = `Bearer realm="${realm}", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required"`;
  if (rule.acr.length > 0) header += `, acr_values="${rule.acr.join(' ')}"`;
  if (rule.maxAgeMs !== undefined) header += `, max_age=${Math.floor(rule.maxAgeMs / 1000)}`;
  return { code: 'GH_AUTHZ_STEP_UP_REQUIRED', detail: 'a stronger or more recent authentication is required', headers: { 'www-authenticate': header } };
}
