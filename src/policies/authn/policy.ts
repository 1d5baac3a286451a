import { revocationsFor } from '../../anomaly/registry.js';
import type { RevocationList } from '../../anomaly/revocations.js';
import type { Denial } from '../../errors/index.js';
import type { Identity, RequestContext } from '../../gateway/context.js';
import type { AuthnFailure, AuthnResult } from '../../identity/jwt-verifier.js';
import { identityRuntime, type IdentityRuntime } from '../../identity/runtime.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import { identityRevocation, revokedCredential } from '../revocation/checks.js';
import { challengeFor } from './challenge.js';
import { noteRefusal, recordDecision } from './decisions.js';
import { routeSecurity } from './route-security.js';
import { authenticationOf, requirementsFor } from './schemes.js';
import type { Authenticator } from './types.js';

type Outcome = { readonly identity: Identity | undefined } | Failed | { readonly missing: true };
type Failed = { readonly failure: AuthnFailure; readonly authenticator: Authenticator };

/**
 * Authentication: establishes `ctx.identity` from the operation's security requirements (OR of
 * alternatives, AND within one). A request with no credential gets 401 and a plain challenge;
 * one with a bad credential gets 401 `invalid_token`; an identity provider that cannot be
 * reached fails closed with 503. The client sees the registry's safe title and a short detail;
 * the precise reason goes to the log and the decision trail. On an operation whose security is
 * optional (`{}` among the alternatives) only a request without any credential passes as
 * anonymous: one that sends a credential is held to it, as Kong's and Envoy's anonymous
 * fallbacks do, so a forged or expired token is refused rather than silently ignored.
 *
 * A verified identity on the revocation list (blocked subject, credential or token) is refused
 * here, as a credential that does not verify: the same status, code, detail and challenge, so a
 * blocked caller cannot tell a valid credential from a wrong one. That refusal is enforced even
 * while the policy is monitored; monitor mode only dry-runs the authentication checks.
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
  const revocations = revocationsFor(scope.services);
  const monitored = settings.mode === 'monitor';
  const challenges = [...new Set(requirements.flatMap((r) => r.schemes.map((s) => s.authenticator?.challenge).filter((c): c is string => c !== undefined)))];
  const missing: Denial = {
    code: 'GH_AUTHN_REQUIRED',
    detail: 'credentials are required',
    headers: { 'www-authenticate': challenges.join(', ') || `Bearer realm="${rt.config.realm}"` },
  };

  /**
   * Tries the alternatives from `from` on. Synchronous while the authenticators are (a cached
   * token, an API key in the cache): a promise appears only when one of them has to wait.
   */
  function run(ctx: RequestContext, from = 0, failedSoFar?: Failed): Denial | undefined | Promise<Denial | undefined> {
    let failed = failedSoFar;
    for (let i = from; i < alternatives.length; i++) {
      const outcome = satisfy(ctx, alternatives[i] as readonly (Authenticator | undefined)[], 0, undefined, revocations);
      if (outcome instanceof Promise) return outcome.then((settled) => next(ctx, settled, i, failed));
      if ('identity' in outcome) {
        ctx.identity = outcome.identity;
        return undefined;
      }
      if ('failure' in outcome && outranks(outcome, failed)) failed = outcome;
    }
    return refuse(ctx, failed);
  }

  /** Goes on after an alternative that had to wait. */
  function next(ctx: RequestContext, outcome: Outcome, at: number, failed: Failed | undefined): Denial | undefined | Promise<Denial | undefined> {
    if ('identity' in outcome) {
      ctx.identity = outcome.identity;
      return undefined;
    }
    return run(ctx, at + 1, 'failure' in outcome && outranks(outcome, failed) ? outcome : failed);
  }

  /**
   * The refusal of a request no alternative accepted. In monitor mode it is recorded and the
   * request goes on (undefined), unless the credential is revoked.
   */
  function refuse(ctx: RequestContext, failed: Failed | undefined): Denial | undefined {
    if (failed === undefined) {
      // Optional security gets here only when a credential was sent: one alternative is incomplete.
      const reason = optional ? 'credentials sent satisfy no alternative' : 'no credential sent';
      noteRefusal(ctx, { policy: 'authenticate', rule: security.summary, reason, code: missing.code, mode: monitored ? 'monitor' : 'enforce' });
      return monitor(ctx, missing);
    }
    const denial = challengeFor(failed.failure, failed.authenticator, rt);
    const enforced = !monitored || failed.failure.revocation === true;
    // The real code (a revoked key, say) goes to the trail; the client sees the wire code.
    noteRefusal(ctx, { policy: 'authenticate', rule: security.summary, reason: failed.failure.reason, code: failed.failure.code, mode: enforced ? 'enforce' : 'monitor' });
    return enforced ? denial : monitor(ctx, denial);
  }

  function monitor(ctx: RequestContext, denial: Denial): Denial | undefined {
    if (!monitored) return denial;
    ctx.monitor('authenticate', denial);
    return undefined;
  }

  /** Whether the request carries a credential of any scheme the operation names (checked or not). */
  function sent(ctx: RequestContext): boolean {
    for (let i = 0; i < offered.length; i++) if ((offered[i] as Authenticator).sent(ctx)) return true;
    return false;
  }

  const instance: PolicyInstance = {
    name: 'authenticate',
    // Monitor mode is applied by refuse(): a revoked credential is refused in either mode.
    mode: 'enforce',
    // Anonymous callers of an optional operation cost header reads only: no promise, no note.
    request: optional ? (ctx) => (sent(ctx) ? run(ctx) : undefined) : (ctx) => run(ctx),
    log(ctx) {
      // Like a public operation, an anonymous call of an optional one is no identity decision of
      // this policy (a later identity policy that refuses it still records its refusal).
      if (optional && ctx.identity === undefined && !sent(ctx)) return;
      recordDecision(ctx, rt, security.summary, logger);
    },
  };
  return instance;
};

const MISSING: Outcome = { missing: true };

/**
 * Which failure answers when no alternative passes: a revoked credential (enforced in every
 * mode), else an unavailable provider (503: the credential may be fine), else the first.
 */
function outranks(candidate: Failed, current: Failed | undefined): boolean {
  if (current === undefined) return true;
  if (current.failure.revocation === true) return false;
  return candidate.failure.revocation === true || candidate.failure.code === 'GH_DEPENDENCY_UNAVAILABLE';
}

/**
 * One alternative: every authenticator in it must pass (AND), and no identity it verifies may
 * be blocked. Synchronous unless an authenticator returns a promise; then the rest of the
 * alternative runs when it settles.
 */
function satisfy(ctx: RequestContext, authenticators: readonly (Authenticator | undefined)[], from: number, found: Identity | undefined, revocations: RevocationList | undefined): Outcome | Promise<Outcome> {
  let identity = found;
  for (let i = from; i < authenticators.length; i++) {
    const authenticator = authenticators[i];
    if (authenticator === undefined) return MISSING;
    const result = authenticator.authenticate(ctx);
    if (result instanceof Promise) return result.then((settled) => judged(ctx, authenticators, i, authenticator, settled, identity, revocations));
    if (result === undefined) return MISSING;
    if (!result.ok) return { failure: result, authenticator };
    const blocked = revocations === undefined ? undefined : blockedBy(revocations, result.identity);
    if (blocked !== undefined) return { failure: blocked, authenticator };
    identity ??= result.identity;
  }
  return { identity };
}

function judged(ctx: RequestContext, authenticators: readonly (Authenticator | undefined)[], at: number, authenticator: Authenticator, result: AuthnResult | undefined, identity: Identity | undefined, revocations: RevocationList | undefined): Outcome | Promise<Outcome> {
  if (result === undefined) return MISSING;
  if (!result.ok) return { failure: result, authenticator };
  const blocked = revocations === undefined ? undefined : blockedBy(revocations, result.identity);
  if (blocked !== undefined) return { failure: blocked, authenticator };
  return satisfy(ctx, authenticators, at + 1, identity ?? result.identity, revocations);
}

/** A verified identity's block, as a failed credential; undefined when it is not blocked. */
function blockedBy(revocations: RevocationList, identity: Identity): AuthnFailure | undefined {
  if (revocations.size === 0) return undefined;
  const r = identityRevocation(revocations, identity);
  return r?.action === 'block' ? revokedCredential(r, identity) : undefined;
}

export type { IdentityRuntime };
