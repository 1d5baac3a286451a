import type { Denial } from '../../errors/index.js';
import type { Identity, RequestContext } from '../../gateway/context.js';
import { identityRuntime } from '../../identity/runtime.js';
import { noteRefusal, recordDecision } from '../authn/decisions.js';
import { routeSecurity } from '../authn/route-security.js';
import { authenticationOf, identityDependentMode, requirementsFor, type IdentityKind } from '../authn/schemes.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import { selects } from './selector.js';

/** A check that refuses with a reason, or passes (undefined). */
interface Check {
  readonly rule: string;
  run(identity: Identity): { denial: Denial; reason: string } | undefined;
}

/**
 * Authorization: least privilege per operation. Scopes come from the spec's security
 * requirements (one alternative whose scopes the caller holds is enough) and from config rules
 * (every matching rule must pass: all its scopes, one of its roles); admin operations (by tag,
 * path or `x-` extension) need an admin role (function-level authorization, OWASP API5). With
 * `strict`, an operation no rule covers is refused: forgetting a rule fails closed.
 */
export const authorizationPolicy: PolicyFactory = ({ scope, config, api, spec, operation }) => {
  const settings = api.policies.authorization;
  // Nothing to authorize: no rule configured and no scope in the spec (no identity machinery is built).
  if (settings === undefined && !requirementsFor(operation, authenticationOf(api)).some((r) => Object.values(r).some((s) => s.length > 0))) return undefined;
  const rt = identityRuntime(scope, config);
  const security = routeSecurity(scope, rt, api, spec, operation);
  const realm = rt.config.realm;
  if (settings?.mode === 'off') return undefined;
  const mode = identityDependentMode(api, settings?.mode ?? 'enforce');
  const rules = settings?.rules.filter((r) => selects(r, operation)) ?? [];
  if (rules.some((r) => r.public)) return undefined;
  const checks: Check[] = [];

  // Spec scopes: alternatives whose schemes produce the caller's kind of identity. With optional
  // security the anonymous alternative ({}) is met by anyone, so spec scopes cannot refuse: a
  // caller whose token lacks them could drop the token and pass. Config rules still apply.
  const alternatives = security.optional ? [] : security.requirements.filter((r) => r.scopes.length > 0).map((r) => ({ kinds: new Set<IdentityKind>(r.schemes.flatMap((s) => s.kinds)), scopes: r.scopes, label: r.label }));
  const unscoped = security.requirements.filter((r) => r.scopes.length === 0).map((r) => new Set<IdentityKind>(r.schemes.flatMap((s) => s.kinds)));
  if (alternatives.length > 0) {
    checks.push({
      rule: `security ${alternatives.map((a) => a.label).join(' | ')}`,
      run(identity) {
        const kind = identity.kind as IdentityKind;
        if (unscoped.some((k) => k.has(kind))) return undefined;
        for (const alt of alternatives) {
          if (alt.kinds.has(kind) && alt.scopes.every((s) => identity.scopes.has(s))) return undefined;
        }
        const wanted = alternatives.find((a) => a.kinds.has(kind))?.scopes ?? alternatives[0]?.scopes ?? [];
        return { denial: insufficientScope(realm, wanted), reason: `missing scope (needs ${wanted.join(' ')})` };
      },
    });
  }
  rules.forEach((rule, i) => {
    const label = `authorization.rules[${settings?.rules.indexOf(rule) ?? i}]`;
    if (rule.scopes.length > 0) {
      checks.push({
        rule: label,
        run: (identity) => rule.scopes.every((s) => identity.scopes.has(s)) ? undefined
          : { denial: insufficientScope(realm, rule.scopes), reason: `${label}: missing scope (needs ${rule.scopes.join(' ')})` },
      });
    }
    if (rule.roles.length > 0) {
      checks.push({
        rule: label,
        run: (identity) => rule.roles.some((r) => identity.roles.has(r)) ? undefined
          : { denial: { code: 'GH_AUTHZ_FORBIDDEN', detail: 'the caller lacks a required role' }, reason: `${label}: needs one of roles ${rule.roles.join(', ')}` },
      });
    }
  });
  const admin = settings?.admin;
  if (admin !== undefined && selects(admin, operation)) {
    checks.push({
      rule: 'authorization.admin',
      run: (identity) => admin.roles.some((r) => identity.roles.has(r)) ? undefined
        : { denial: { code: 'GH_AUTHZ_FORBIDDEN', detail: 'this operation needs an administrator' }, reason: `admin operation; needs one of roles ${admin.roles.join(', ')}` },
    });
  }
  const strict = settings?.strict === true && operation !== undefined;
  if (checks.length === 0 && !strict) return undefined;
  const logger = scope.services.logger;
  const noRule: Denial = { code: 'GH_AUTHZ_FORBIDDEN', detail: 'no authorization rule allows this operation' };
  const required: Denial = { code: 'GH_AUTHN_REQUIRED', detail: 'credentials are required', headers: { 'www-authenticate': `Bearer realm="${realm}"` } };

  const refuse = (ctx: RequestContext, rule: string, reason: string, denial: Denial): Denial => {
    noteRefusal(ctx, { policy: 'authorize', rule, reason, code: denial.code, mode });
    return denial;
  };

  const instance: PolicyInstance = {
    name: 'authorize',
    mode,
    request(ctx) {
      if (checks.length === 0) return refuse(ctx, 'authorization.strict', 'strict: no rule covers this operation', noRule);
      const identity = ctx.identity;
      if (identity === undefined) return refuse(ctx, checks[0]?.rule ?? '', 'no identity established', required);
      for (let i = 0; i < checks.length; i++) {
        const check = checks[i] as Check;
        const refused = check.run(identity);
        if (refused !== undefined) return refuse(ctx, check.rule, refused.reason, refused.denial);
      }
      return undefined;
    },
    log(ctx) {
      recordDecision(ctx, rt, security.summary, logger);
    },
  };
  return instance;
};

/** RFC 6750 §3.1: 403 with `insufficient_scope` and the scopes needed. */
function insufficientScope(realm: string, scopes: readonly string[]): Denial {
  return {
    code: 'GH_AUTHZ_FORBIDDEN',
    detail: 'the token lacks a required scope',
    headers: { 'www-authenticate': `Bearer realm="${realm}", error="insufficient_scope", scope="${scopes.join(' ')}"` },
  };
}
