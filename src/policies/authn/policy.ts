import type { Denial } from '../../errors/index.js';
import type { Identity, RequestContext } from '../../gateway/context.js';
import type { AuthnFailure, AuthnResult } from '../../identity/jwt-verifier.js';
import { identityRuntime, type IdentityRuntime } from '../../identity/runtime.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import { challengeFor } from './challenge.js';
import { noteRefusal, recordDecision } from './decisions.js';
import { routeSecurity } from './route-security.js';
import { authenticationOf, requirementsFor } from './schemes.js';
import type { Authenticator } from './types.js';

type Outcome = { identity: Identity | undefined } | { failure: AuthnFailure; authenticator: Authenticator } | { missing: true };

/**
 * Authentication: establishes `ctx.identity` from the operation's security requirements (OR of
 * alternatives, AND within one). A request with no credential gets 401 and a plain challenge;
 * one with a bad credential gets 401 `invalid_token`; an identity provider that cannot be
 * reached fails closed with 503. The client sees the registry's safe title and a short detail;
 * the precise reason goes to the log and the decision trail. On an operation whose security is
 * optional (`{}` among the alternatives) only a request without any credential passes as
 * anonymous: one that sends a credential is held to it, as Kong's and Envoy's anonymous
 * fallbacks do, so a forged or expired token is refused rather than silently ignored.
 */
export const authenticationPolicy: PolicyFactory = ({ scope, config, api, spec, operation }) => {
  const settings = authenticationOf(api);
  if (settings.mode === 'off' || requirementsFor(operation, settings).length === 0) return undefined;
  const rt = identityRuntime(scope, config);
  const security = routeSecurity(scope, rt, api, spec, operation);
  const requirements = security.requirements;
  if (requirements.length === 0) return undefined;
  // Resolved once: the request path walks plain arrays.
  const alternatives = requirements.map((r) => r.schemes.map((s) => s.authenticator));
  const optional = security.optional;
  const offered = [...new Set(alternatives.flat().filter((a): a is Authenticator => a !== undefined))];
  // Optional and every named scheme unsupported: nothing could ever be checked.
  if (optional && offered.length === 0) return undefined;
  const logger = scope.services.logger;
  const challenges = [...new Set(requirements.flatMap((r) => r.schemes.map((s) => s.authenticator?.challenge).filter((c): c is string => c !== undefined)))];
  const missing: Denial = {
    code: 'GH_AUTHN_REQUIRED',
    detail: 'credentials are required',
    headers: { 'www-authenticate': challenges.join(', ') || `Bearer realm="${rt.config.realm}"` },
  };

  async function run(ctx: RequestContext): Promise<Denial | undefined> {
    let failed: { failure: AuthnFailure; authenticator: Authenticator } | undefined;
    for (const authenticators of alternatives) {
      const outcome = await satisfy(ctx, authenticators);
      if ('identity' in outcome) {
        ctx.identity = outcome.identity;
        return undefined;
      }
      if ('failure' in outcome && (failed === undefined || outcome.failure.code === 'GH_DEPENDENCY_UNAVAILABLE')) failed = outcome;
    }
    if (failed === undefined) {
      // Optional security gets here only when a credential was sent: one alternative is incomplete.
      const reason = optional ? 'credentials sent satisfy no alternative' : 'no credential sent';
      noteRefusal(ctx, { policy: 'authenticate', rule: security.summary, reason, code: missing.code, mode: settings.mode as 'enforce' | 'monitor' });
      return missing;
    }
    const denial = challengeFor(failed.failure, failed.authenticator, rt);
    noteRefusal(ctx, { policy: 'authenticate', rule: security.summary, reason: failed.failure.reason, code: denial.code, mode: settings.mode as 'enforce' | 'monitor' });
    return denial;
  }

  /** Whether the request carries a credential of any scheme the operation names (checked or not). */
  function sent(ctx: RequestContext): boolean {
    for (let i = 0; i < offered.length; i++) if ((offered[i] as Authenticator).sent(ctx)) return true;
    return false;
  }

  const instance: PolicyInstance = {
    name: 'authenticate',
    mode: settings.mode,
    // Anonymous callers of an optional operation cost header reads only: no promise, no note.
    request: optional ? (ctx) => (sent(ctx) ? run(ctx) : undefined) : run,
    log(ctx) {
      // Like a public operation, an anonymous call of an optional one is no identity decision of
      // this policy (a later identity policy that refuses it still records its refusal).
      if (optional && ctx.identity === undefined && !sent(ctx)) return;
      recordDecision(ctx, rt, security.summary, logger);
    },
  };
  return instance;
};

async function satisfy(ctx: RequestContext, authenticators: readonly (Authenticator | undefined)[]): Promise<Outcome> {
  let identity: Identity | undefined;
  for (const authenticator of authenticators) {
    if (authenticator === undefined) return { missing: true };
    let result: AuthnResult | Promise<AuthnResult> | undefined = authenticator.authenticate(ctx);
    if (result instanceof Promise) result = await result;
    if (result === undefined) return { missing: true };
    if (!result.ok) return { failure: result, authenticator };
    identity ??= result.identity;
  }
  return { identity };
}

export type { IdentityRuntime };
