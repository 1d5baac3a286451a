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
 * the precise reason goes to the log and the decision trail.
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
      noteRefusal(ctx, { policy: 'authenticate', rule: security.summary, reason: 'no credential sent', code: missing.code, mode: settings.mode as 'enforce' | 'monitor' });
      return missing;
    }
    const denial = challengeFor(failed.failure, failed.authenticator, rt);
    noteRefusal(ctx, { policy: 'authenticate', rule: security.summary, reason: failed.failure.reason, code: denial.code, mode: settings.mode as 'enforce' | 'monitor' });
    return denial;
  }

  const instance: PolicyInstance = {
    name: 'authenticate',
    mode: settings.mode,
    request: run,
    log(ctx) {
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
