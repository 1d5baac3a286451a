import type { Denial } from '../../errors/index.js';
import type { Identity, RequestContext } from '../../gateway/context.js';
import { requestBody } from '../../gateway/request-body.js';
import { claimAt, claimString } from '../../identity/claims.js';
import { identityRuntime } from '../../identity/runtime.js';
import type { Operation } from '../../openapi/types.js';
import { noteRefusal, recordDecision } from '../authn/decisions.js';
import { routeSecurity } from '../authn/route-security.js';
import { identityDependentMode } from '../authn/schemes.js';
import { selects } from '../scopes/selector.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';
import type { ObjectRule, ParamRef } from './config.js';
import { OwnerLookups } from './owner-lookup.js';

interface CompiledRule {
  readonly label: string;
  readonly rule: ObjectRule;
  readonly where: 'path' | 'query' | 'body';
  readonly lookups: OwnerLookups | undefined;
}

const FORBIDDEN: Denial = { code: 'GH_AUTHZ_OBJECT_FORBIDDEN', detail: 'the caller may not access this object' };

/**
 * Object-level authorization (BOLA / IDOR, OWASP API1): binds an identifier in the path, query
 * or body to a claim of the caller, so `/users/{userId}` is served only when `sub == userId`
 * unless the caller holds one of `unlessRole`; when the binding is indirect, the owner comes
 * from a configured lookup. A rule applies to the operations that declare its parameter (or
 * those it selects), decided at load time.
 */
export const objectAuthPolicy: PolicyFactory = ({ scope, config, api, spec, operation }) => {
  const settings = api.policies.objectAuth;
  if (settings === undefined || settings.mode === 'off' || operation === undefined) return undefined;
  const compiled: CompiledRule[] = [];
  settings.rules.forEach((rule, i) => {
    const explicit = rule.operations !== undefined || rule.tags !== undefined || rule.paths !== undefined || rule.methods !== undefined || rule.extension !== undefined;
    if (explicit && !selects(rule, operation)) return;
    const where = locate(rule.param, operation);
    if (where === undefined) return;
    const lookups = rule.lookup === undefined ? undefined : scope.once(`object-auth:${api.name}:${i}`, () => new OwnerLookups(rule.lookup as NonNullable<ObjectRule['lookup']>));
    compiled.push({ label: `objectAuth.rules[${i}]`, rule, where, lookups });
  });
  if (compiled.length === 0) return undefined;
  const rt = identityRuntime(scope, config);
  const summary = routeSecurity(scope, rt, api, spec, operation).summary;
  const logger = scope.services.logger;
  const mode = identityDependentMode(api, settings.mode);
  const early = compiled.filter((c) => c.where !== 'body');
  const late = compiled.filter((c) => c.where === 'body');

  const refuse = (ctx: RequestContext, label: string, reason: string, denial: Denial = FORBIDDEN): Denial => {
    noteRefusal(ctx, { policy: 'object-auth', rule: label, reason, code: denial.code, mode });
    return denial;
  };

  async function check(ctx: RequestContext, rules: readonly CompiledRule[]): Promise<Denial | undefined> {
    for (const c of rules) {
      const identity = ctx.identity;
      if (identity === undefined) return refuse(ctx, c.label, 'no identity established', { code: 'GH_AUTHN_REQUIRED', detail: 'credentials are required', headers: { 'www-authenticate': `Bearer realm="${rt.config.realm}"` } });
      if (c.rule.unlessRole.some((r) => identity.roles.has(r))) continue;
      const caller = claimString(claimAt(identity.claims, c.rule.claim));
      if (caller === undefined) return refuse(ctx, c.label, `caller has no ${c.rule.claimLabel} claim`);
      const values = valuesOf(ctx, c);
      for (const value of values) {
        let owner: string | undefined = value;
        if (c.lookups !== undefined) {
          const found = await c.lookups.ownerOf(value);
          if ('unavailable' in found) return refuse(ctx, c.label, `owner lookup failed: ${found.unavailable}`, { code: 'GH_DEPENDENCY_UNAVAILABLE', detail: 'an authorization dependency is unavailable' });
          owner = found.owner;
        }
        if (owner !== caller) return refuse(ctx, c.label, `${describe(c.rule.param)} belongs to ${owner === undefined ? 'nobody known' : 'another caller'}, not ${identityLabel(identity)}`);
      }
    }
    return undefined;
  }

  const instance: PolicyInstance = {
    name: 'object-auth',
    mode,
    needsRequestBody: late.length > 0,
    ...(early.length === 0 ? {} : { request: (ctx: RequestContext) => check(ctx, early) }),
    ...(late.length === 0 ? {} : { requestBody: (ctx: RequestContext) => check(ctx, late) }),
    log(ctx) {
      recordDecision(ctx, rt, summary, logger);
    },
  };
  return instance;
};

/** Where the parameter is for this operation; undefined when the operation has no such parameter. */
export function locate(param: ParamRef, operation: Operation): 'path' | 'query' | 'body' | undefined {
  const declared = (loc: 'path' | 'query') => operation.parameters.some((p) => p.in === loc && p.name === param.name);
  if (param.in === 'path' || param.in === 'query') return declared(param.in) ? param.in : undefined;
  if (param.in === 'body') return operation.requestBody !== undefined ? 'body' : undefined;
  if (param.path.length === 1 && declared('path')) return 'path';
  if (param.path.length === 1 && declared('query')) return 'query';
  return undefined;
}

function valuesOf(ctx: RequestContext, c: CompiledRule): string[] {
  const name = c.rule.param.name;
  if (c.where === 'path') {
    const v = ctx.pathParams?.[name];
    return v === undefined ? [] : [v];
  }
  if (c.where === 'query') {
    const v = ctx.query?.[name];
    return v === undefined ? [] : typeof v === 'string' ? [v] : v;
  }
  // The gateway's one parse; a body it could not read has no object to bind here.
  const body = requestBody(ctx);
  if (body === null || typeof body !== 'object') return [];
  const v = claimAt(body as Record<string, unknown>, c.rule.param.path);
  if (v === undefined) return [];
  const s = claimString(v);
  // A value that is not a plain string or number (an object, an array) cannot be an id we
  // compare: refuse rather than let `{"$ne": ...}` slip past.
  return [s ?? '\u0000not-comparable'];
}

function describe(param: ParamRef): string {
  return `${param.in === 'any' ? '' : `${param.in}.`}${param.path.join('.')}`;
}

function identityLabel(identity: Identity): string {
  return `${identity.kind} ${identity.subject}`;
}
