import type { Denial, ErrorCode } from '../../errors/index.js';
import type { RequestContext } from '../../gateway/context.js';
import { requestBody } from '../../gateway/request-body.js';
import { StoreUnavailableError, type Counters, type GcraOptions, type GcraResult } from '../../store/index.js';
import { guardedCounters, isGuardDenial } from '../rate-limit/guard.js';
import { retryAfterSeconds } from '../rate-limit/headers.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import type { AuthFailureConfig, FailureBudget } from './config.js';

/**
 * Refusals that are guesses at a credential. A missing credential (GH_AUTHN_REQUIRED) or an
 * expired token is what honest clients send too and is not counted.
 */
const FAILURES = new Set<ErrorCode>(['GH_AUTHN_INVALID', 'GH_AUTHN_REVOKED']);

interface Budget {
  readonly options: GcraOptions;
  /** Cost 0: reads the bucket without taking from it. */
  readonly peek: GcraOptions;
  readonly denial: (retryMs: number) => Denial;
}

function budget(b: FailureBudget, what: string): Budget {
  const emissionIntervalMs = b.windowMs / b.count;
  return {
    options: { emissionIntervalMs, burst: b.count },
    peek: { emissionIntervalMs, burst: b.count, cost: 0 },
    denial: (retryMs) => ({ code: 'GH_AUTHN_TOO_MANY_FAILURES', detail: `too many failed attempts ${what}`, headers: { 'retry-after': retryAfterSeconds(retryMs) } }),
  };
}

/** The account a request tries to authenticate as: the configured field, else the identity. */
function attemptedIdentity(ctx: RequestContext, from: AuthFailureConfig['identityFrom']): string | undefined {
  if (from === undefined) return ctx.identity?.subject;
  let value: unknown;
  if (from.in === 'header') value = ctx.req.headers[from.name.toLowerCase()];
  else if (from.in === 'query') value = ctx.query?.[from.name];
  else {
    // The gateway's one parse, the body every other policy and the upstream read.
    const body = requestBody(ctx);
    if (body !== null && typeof body === 'object') value = (body as Record<string, unknown>)[from.name];
  }
  // Account names are compared case-insensitively by most identity stores: so are the buckets.
  return typeof value === 'string' && value !== '' ? value.toLowerCase() : undefined;
}

/**
 * Brute-force defence: a budget of failed authentications per client address and per account
 * (GCRA, so it refills steadily rather than all at once). Failures are counted in the log phase,
 * once the outcome is known: a gateway refusal of a guessed credential, or a 401 from the
 * upstream (a login operation checking a password). While a budget is spent the caller is
 * refused before authentication is attempted. Concurrent attempts are checked before any of
 * them is counted, so a burst can overshoot by the number in flight: pair with `concurrency`.
 */
export const authFailurePolicy: PolicyFactory = ({ scope, api }) => {
  const config = api.policies.authFailures;
  if (config === undefined || config.mode === 'off' || (config.perIp === undefined && config.perIdentity === undefined)) return undefined;
  const perIp = config.perIp === undefined ? undefined : budget(config.perIp, 'from this address');
  const perIdentity = config.perIdentity === undefined ? undefined : budget(config.perIdentity, 'for this account');
  const guard = guardedCounters(scope, 'auth-failures', config.onStoreFailure);
  const ipKey = `af:${api.name}:ip:`;
  const idKey = `af:${api.name}:id:`;
  const from = config.identityFrom;
  const identityInBody = from?.in === 'body';
  const logger = scope.services.logger;

  /** A spent budget's refusal: the time until one failure has drained from a full bucket. */
  const judge = (r: GcraResult, b: Budget): Denial | undefined =>
    (r.remaining >= 1 ? undefined : b.denial(r.resetAfterMs - (b.options.burst - 1) * b.options.emissionIntervalMs));
  // Answered at once by an in-process store (the memory store), so the request phase stays
  // synchronous; a store over I/O, or a closed one, goes through the guard.
  const inProcess = guard.inProcess;
  const check = (key: string, b: Budget): Denial | undefined | Promise<Denial | undefined> => {
    if (inProcess?.gcraNow !== undefined) {
      try {
        return judge(inProcess.gcraNow(key, b.peek), b);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
      }
    }
    return guard.run((counters) => counters.gcra(key, b.peek)).then((r) => (isGuardDenial(r) ? r : judge(r, b)));
  };
  const checkIdentity = (ctx: RequestContext): Denial | undefined | Promise<Denial | undefined> => {
    if (perIdentity === undefined) return undefined;
    const who = attemptedIdentity(ctx, from);
    return who === undefined ? undefined : check(idKey + who, perIdentity);
  };
  const take = (counters: Counters, key: string, b: Budget): Promise<unknown> => counters.gcra(key, b.options);

  const instance: PolicyInstance = {
    name: 'auth-failures',
    mode: config.mode,
    needsRequestBody: identityInBody,
    request(ctx) {
      if (perIp !== undefined) {
        const refused = check(ipKey + ctx.clientIp, perIp);
        if (refused instanceof Promise) return refused.then((denial) => denial ?? (identityInBody ? undefined : checkIdentity(ctx)));
        if (refused !== undefined) return refused;
      }
      return identityInBody ? undefined : checkIdentity(ctx);
    },
    requestBody(ctx) {
      return identityInBody ? checkIdentity(ctx) : undefined;
    },
    log(ctx) {
      const code = ctx.denial?.code;
      const failed = code === undefined ? ctx.upstreamStatus === 401 : FAILURES.has(code);
      if (!failed) return;
      const who = perIdentity === undefined ? undefined : attemptedIdentity(ctx, from);
      void guard.run(async (counters) => {
        if (perIp !== undefined) await take(counters, ipKey + ctx.clientIp, perIp);
        if (perIdentity !== undefined && who !== undefined) await take(counters, idKey + who, perIdentity);
      }).catch((error: unknown) => logger.warn({ err: error, policy: 'auth-failures' }, 'recording a failed authentication failed'));
    },
  };
  return instance;
};
