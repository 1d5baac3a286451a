/**
 * What a Gatehouse config does about each threat: read with the same loader and the same
 * selector and parameter matching as the gateway's policies, so "mitigated" here means the
 * policy that would run on that route. A policy in monitor mode, or one that covers only some of
 * the facts a threat comes from, is `partial`; without a config every threat is `none`.
 */
import path from 'node:path';
import { locateProblems } from '../config/index.js';
import type { ApiConfig, GatehouseConfig } from '../config/types.js';
import type { Operation } from '../openapi/types.js';
import { authenticationOf } from '../policies/authn/schemes.js';
import { compilePath, visitPath } from '../policies/masking/json-path.js';
import type { MaskingRule } from '../policies/masking/config.js';
import { locate } from '../policies/object-auth/policy.js';
import type { ObjectRule } from '../policies/object-auth/config.js';
import { isExplicit, selects } from '../policies/scopes/selector.js';
import { normName } from '../audit/rules/util.js';
import type { Draft } from './derive.js';
import type { Field, OperationFacts } from './facts.js';
import type { ConfigRef, Mitigation, MitigationStatus } from './types.js';

type Mode = 'enforce' | 'monitor' | 'off';

/** One API of the config that serves the spec, ready to answer "what runs on this operation". */
export interface GatewayView {
  readonly config: GatehouseConfig;
  readonly index: number;
  readonly api: ApiConfig;
}

/** The APIs of a config that serve this spec file (a spec may be mounted more than once). */
export function viewsFor(config: GatehouseConfig, specFile: string): GatewayView[] {
  const wanted = path.resolve(specFile);
  return config.apis.flatMap((api, index) => (path.resolve(api.spec) === wanted ? [{ config, index, api }] : []));
}

const NONE: Mitigation = { status: 'none', by: [], gap: undefined };

/**
 * The mitigation of a threat across every API serving the spec: the weakest of them, since a
 * caller picks the mount that protects least.
 */
export function mitigate(draft: Draft, facts: OperationFacts | undefined, views: readonly GatewayView[]): Mitigation {
  if (views.length === 0) return { ...NONE, gap: 'no gateway config given' };
  const each = views.map((v) => mitigateOne(draft, facts, v));
  const order: MitigationStatus[] = ['none', 'partial', 'mitigated'];
  const weakest = each.reduce((a, b) => (order.indexOf(b.status) < order.indexOf(a.status) ? b : a));
  return { status: weakest.status, by: each.flatMap((m) => m.by), gap: weakest.gap };
}

function mitigateOne(d: Draft, f: OperationFacts | undefined, v: GatewayView): Mitigation {
  const op = f?.op;
  const p = v.api.policies;
  const r = refMaker(v);
  const authn = authenticationOf(v.api);
  const authnMode: Mode = authn.mode;
  /** A policy that needs an identity is monitored while authentication is (identityDependentMode). */
  const identityMode = (own: Mode): Mode => (own === 'off' ? 'off' : authnMode === 'monitor' ? 'monitor' : own);
  const contract = p.contract;
  const contractOn = contract.mode !== 'off';
  switch (d.id) {
    case 'TM-AUTHN-NONE': {
      if (op === undefined || authnMode === 'off') return gapOf(`authentication is off for ${v.api.name}`, authnMode === 'off' ? [r(['policies', 'authentication', 'mode'], 'authentication: off')] : []);
      if (authn.public.includes(op.id) || (op.operationId !== undefined && authn.public.includes(op.operationId))) {
        return gapOf('the config lists the operation as public', [r(['policies', 'authentication', 'public'], 'lists this operation as public: no credential')]);
      }
      if (authn.fallback.length === 0) return gapOf('`policies.authentication.fallback` is empty: the gateway requires what the spec requires, here nothing');
      const ref = r(['policies', 'authentication', 'fallback'], `requires ${authn.fallback.map((a) => a.join(' + ')).join(' or ')} where the spec names no credential`);
      if (f?.security.optional === true) return partial([ref], 'the spec\'s empty alternative {} still lets anonymous callers through: the fallback applies only where the spec names no requirement');
      return byMode(authnMode, [ref]);
    }
    case 'TM-REPUDIATION-ANON': {
      if (op === undefined || f?.security.optional === true || authn.fallback.length === 0 || authnMode === 'off' || authn.public.includes(op.id)) return gapOf('the gateway does not authenticate the caller, so its decision trail names no one');
      const refs = [r(['policies', 'authentication', 'fallback'], 'authenticates the caller')];
      if (!v.config.identity.audit.enabled) return partial(refs, 'the decision trail is off (identity.audit.enabled: false)');
      return byMode(authnMode, refs);
    }
    case 'TM-AUTHN-GUESS': {
      const refs: ConfigRef[] = [];
      const af = p.authFailures;
      const afMode: Mode = af === undefined ? 'off' : af.mode;
      if (af !== undefined && afMode !== 'off') refs.push(r(['policies', 'authFailures'], `limits failed attempts${af.perIp === undefined ? '' : ` to ${af.perIp.count} per ${af.perIp.windowMs / 1000}s per address`}${af.perIdentity === undefined ? '' : ` and ${af.perIdentity.count} per account`}`));
      const limits = rateLimitsOn(v, op);
      refs.push(...limits);
      if (afMode === 'enforce') return { status: 'mitigated', by: refs, gap: undefined };
      if (refs.length > 0) return partial(refs, afMode === 'monitor' ? 'failed attempts are only counted (monitor)' : 'a rate limit slows guessing but does not count failures per account');
      return NONE;
    }
    case 'TM-BOLA-READ': case 'TM-BOLA-WRITE': {
      const settings = p.objectAuth;
      if (op === undefined || settings === undefined) return gapOf(`no \`policies.objectAuth\` rule binds ${list(d.fields)} to the caller`);
      const mode = identityMode(settings.mode);
      const covered: ConfigRef[] = [];
      const uncovered: Field[] = [];
      for (const field of d.fields) {
        const i = settings.rules.findIndex((rule) => ruleCovers(rule, op, field));
        if (i < 0 || mode === 'off') { uncovered.push(field); continue; }
        const rule = settings.rules[i] as ObjectRule;
        covered.push(r(['policies', 'objectAuth', 'rules', i], `binds \`${field.path}\` to the caller's ${rule.claimLabel}${rule.unlessRole.length > 0 ? ` (unless role ${rule.unlessRole.join(', ')})` : ''}${rule.lookup === undefined ? '' : ' through an owner lookup'}`));
      }
      if (covered.length === 0) return gapOf(`no \`policies.objectAuth\` rule ${mode === 'off' ? 'is on' : 'applies to'} ${list(d.fields)} on this operation`);
      if (uncovered.length > 0) return partial(covered, `${list(uncovered)} is not bound to the caller`);
      return byMode(mode, covered);
    }
    case 'TM-BFLA-ADMIN': case 'TM-BFLA-UNSCOPED': {
      if (op === undefined) return NONE;
      const az = p.authorization;
      const refs: ConfigRef[] = [];
      const azMode = identityMode(az?.mode ?? 'enforce');
      // A rule marking the operation public switches authorization off for it (the policy returns nothing).
      const open = az?.rules.findIndex((rule) => rule.public && selects(rule, op)) ?? -1;
      if (open >= 0) return gapOf('an authorization rule makes the operation public', [r(['policies', 'authorization', 'rules', open], 'public: no scope or role is checked')]);
      if (az !== undefined && az.admin !== undefined && (isExplicit(az.admin) ? selects(az.admin, op) : false)) refs.push(r(['policies', 'authorization', 'admin'], `needs role ${az.admin.roles.join(' or ')}`));
      az?.rules.forEach((rule, i) => {
        if (!selects(rule, op)) return;
        if (rule.scopes.length > 0 || rule.roles.length > 0) refs.push(r(['policies', 'authorization', 'rules', i], `needs ${[rule.scopes.length > 0 ? `scopes ${rule.scopes.join(' ')}` : '', rule.roles.length > 0 ? `role ${rule.roles.join(' or ')}` : ''].filter(Boolean).join(' and ')}`));
      });
      // A scope only administrative operations require is a grant ordinary callers lack; the gateway checks it.
      const own = d.ownScopes ?? [];
      if (refs.length === 0 && own.length > 0 && authnMode !== 'off' && az?.mode !== 'off') {
        return byMode(authnMode, [r(['policies', 'authentication'], `checks the scope ${own.join(' ')} the spec requires here and for no ordinary operation`)]);
      }
      // strict: an operation with no scope in the spec and no rule is refused to everyone (default deny).
      if (refs.length === 0 && az?.strict === true && (f?.security.scopes.length ?? 0) === 0 && azMode !== 'off') {
        return byMode(azMode, [r(['policies', 'authorization', 'strict'], 'refuses operations no rule covers')]);
      }
      if (refs.length === 0 || azMode === 'off') return gapOf('no `policies.authorization` rule or admin selector needs a role or scope for this operation');
      return byMode(azMode, refs);
    }
    case 'TM-MASS-READONLY': {
      const ref = r(['policies', 'contract'], `readOnly: ${contract.readOnly}`);
      if (!contractOn || contract.readOnly !== 'reject') return gapOf(contractOn ? 'the contract lets read-only fields through (readOnly: allow)' : 'the contract policy is off', [ref]);
      return byMode(contract.mode, [r(['policies', 'contract'], 'refuses read-only fields in requests (readOnly: reject)')]);
    }
    case 'TM-MASS-UNDECLARED': {
      if (!contractOn || contract.unknownFields !== 'reject') return gapOf(contractOn ? 'the contract lets undeclared fields through (unknownFields: allow)' : 'the contract policy is off', [r(['policies', 'contract'], `unknownFields: ${contract.unknownFields}`)]);
      return byMode(contract.mode, [r(['policies', 'contract'], 'refuses undeclared fields (unknownFields: reject)')]);
    }
    case 'TM-MASS-PRIVILEGED':
      // The contract accepts what the spec declares: a declared `role` is, by contract, the caller's to set.
      return gapOf('the fields are declared, so the contract accepts them; only the spec (readOnly, or removing them) or the service can refuse them');
    case 'TM-DATA-SECRET': case 'TM-DATA-PERSONAL': {
      const m = p.masking;
      if (op === undefined || m === undefined || m.mode === 'off') return gapOf(`no \`policies.masking\` rule covers ${list(d.fields)}`);
      const covered: ConfigRef[] = [];
      const uncovered: Field[] = [];
      for (const field of d.fields) {
        const i = m.rules.findIndex((rule) => maskCovers(rule, op, field));
        if (i < 0) { uncovered.push(field); continue; }
        const rule = m.rules[i] as MaskingRule;
        covered.push(r(['policies', 'masking', 'rules', i], `${rule.action}s \`${field.path}\`${rule.unlessRole === undefined ? '' : ` (unless role ${rule.unlessRole})`}`));
      }
      if (covered.length === 0) return gapOf(`no \`policies.masking\` rule covers ${list(d.fields)}`);
      if (uncovered.length > 0) return partial(covered, `${list(uncovered)} leaves unmasked`);
      return { status: 'mitigated', by: covered, gap: undefined };
    }
    case 'TM-DATA-URL':
      return gapOf('a value in the URL is in every log on the way; the gateway cannot move it');
    case 'TM-DOS-INPUT': {
      if (!contractOn) return gapOf('the contract policy is off: sizes are bounded only by limits.maxBodyBytes', [r(['limits', 'maxBodyBytes'], `bodies up to ${v.config.limits.maxBodyBytes} bytes`)]);
      const refs = [
        r(['limits', 'maxBodyBytes'], `bodies up to ${v.config.limits.maxBodyBytes} bytes`),
        r(['limits', 'maxStringLength'], `strings up to ${v.config.limits.maxStringLength} characters`),
        r(['limits', 'maxJsonElements'], `at most ${v.config.limits.maxJsonElements} JSON elements`),
      ];
      return byMode(contract.mode, refs);
    }
    case 'TM-DOS-PAGE': case 'TM-FLOW-AUTOMATION': {
      const limits = rateLimitsOn(v, op);
      if (limits.length === 0) return gapOf('no `policies.rateLimit` limit applies to this operation');
      const mode = p.rateLimit?.mode ?? 'off';
      if (d.id === 'TM-DOS-PAGE') return partial(limits, 'a rate limit bounds how often, not how much one request asks for: the parameter still needs a maximum');
      return byMode(mode, limits);
    }
    case 'TM-INJECTION': {
      const inj = p.injection;
      if (inj === undefined || inj.mode === 'off') return gapOf('the injection guard (`policies.injection`) is not configured for this API');
      const ref = r(['policies', 'injection'], `scans ${inj.scan === 'all' ? 'every value' : 'the values the contract leaves free'} at level ${inj.level}${inj.ignore.size > 0 ? `, ignoring ${[...inj.ignore].join(', ')}` : ''}`);
      if (inj.ignore.has('sqli') || inj.ignore.has('nosqli') || inj.ignore.has('cmdi')) return partial([ref], `the guard ignores ${[...inj.ignore].join(', ')}`);
      return byMode(inj.mode, [ref]);
    }
    case 'TM-SSRF': {
      const inj = p.injection;
      if (inj === undefined || inj.mode === 'off' || inj.ignore.has('ssrf')) return gapOf('the injection guard does not look for SSRF-prone URLs on this API');
      // A written address is refused; a public name that resolves to a private address is not: the service must resolve and check.
      return partial([r(['policies', 'injection'], 'refuses URLs naming private, loopback and metadata addresses')], 'a hostname that resolves to an internal address, or a redirect from an allowed host, passes: the service must check where it connects');
    }
    case 'TM-TRANSPORT-HTTP': {
      const l = v.config.listen;
      if (l.https === undefined) return gapOf('the gateway listens on plain HTTP only', l.http === undefined ? [] : [r(['listen', 'http'], 'plain HTTP listener')]);
      const https = rootRef(v, ['listen', 'https'], `HTTPS on port ${l.https.port}`);
      if (l.http !== undefined) return partial([https], 'a plain HTTP listener is also open (listen.http)');
      return { status: 'mitigated', by: [https], gap: undefined };
    }
    case 'TM-SCHEME-KEY-IN-URL': {
      if (!authn.hideCredentials.apiKeys) return gapOf('keys reach the upstream too (hideCredentials.apiKeys: false)');
      return partial([r(['policies', 'authentication', 'hideCredentials'], 'removes the key before the upstream')], 'clients, proxies and the gateway\'s own access log still see the URL');
    }
    case 'TM-SCHEME-TOKEN': {
      const id = v.config.identity;
      if (authnMode === 'off') return gapOf('authentication is off: tokens are not checked');
      const refs: ConfigRef[] = id.issuers.map((iss, i) => rootRef(v, ['identity', 'issuers', i], `verifies ${iss.issuer}: ${iss.algorithms.join('/')}, audience ${iss.audiences.join(' ') || '(any)'}, at most ${Math.round(iss.maxTokenLifetimeMs / 60_000)} min`));
      if (id.introspection !== undefined) refs.push(rootRef(v, ['identity', 'introspection'], `asks ${id.introspection.endpoint} whether each token is active`));
      if (refs.length === 0) return gapOf('no issuer or introspection is configured: the gateway cannot verify any token (it refuses them all)');
      return byMode(authnMode, refs);
    }
    case 'TM-SCHEME-BASIC':
      return partial([r(['policies', 'authentication'], 'refuses requirements it cannot check: Basic never passes the gateway')], 'operations that accept only Basic are refused at the gateway, so clients must be moved to another scheme');
    case 'TM-SCHEME-FLOW':
      return gapOf('how clients obtain tokens is outside the gateway');
  }
}

function byMode(mode: Mode, refs: ConfigRef[]): Mitigation {
  if (mode === 'enforce') return { status: 'mitigated', by: refs, gap: undefined };
  if (mode === 'monitor') return partial(refs, 'the policy only monitors (it records what it would refuse)');
  return gapOf('the policy is off', refs);
}

function partial(by: ConfigRef[], gap: string): Mitigation {
  return { status: 'partial', by, gap };
}

/** `none`, citing the config parts that were looked at and found wanting. */
function gapOf(gap: string, by: ConfigRef[] = []): Mitigation {
  return { status: 'none', by, gap };
}

function list(fields: readonly Field[]): string {
  return [...new Set(fields.map((f) => `\`${f.path}\``))].join(', ');
}

type RefMaker = (at: (string | number)[], does: string) => ConfigRef;

/** A reference into the API's section (`apis[i]…`) or, for top-level keys, the config root. */
function refMaker(v: GatewayView): RefMaker {
  return (at, does) => (at[0] === 'limits' || at[0] === 'listen' || at[0] === 'identity' ? rootRef(v, at, does) : rootRef(v, ['apis', v.index, ...at], does));
}

function rootRef(v: GatewayView, at: (string | number)[], does: string): ConfigRef {
  const [located] = locateProblems(v.config, [{ path: at, message: does }]);
  return { path: located?.path ?? at.join('.'), file: v.config.file, line: located?.line, does };
}

/** Rate and quota limits that count requests to this operation. */
function rateLimitsOn(v: GatewayView, op: Operation | undefined): ConfigRef[] {
  const rl = v.api.policies.rateLimit;
  if (rl === undefined || rl.mode === 'off' || op === undefined) return [];
  const refs: ConfigRef[] = [];
  rl.limits.forEach((limit, i) => {
    if (limit.operations !== undefined && !limit.operations.includes(op.id) && !(op.operationId !== undefined && limit.operations.includes(op.operationId))) return;
    const what = limit.kind === 'rate' ? `${limit.count} per ${limit.windowMs / 1000}s` : `${limit.count} per ${limit.period}`;
    refs.push(refMaker(v)(['policies', 'rateLimit', 'limits', i], `${what} by ${limit.by.join('+')}${rl.mode === 'monitor' ? ' (monitor)' : ''}`));
  });
  return refs;
}

/** Whether an object-level rule binds this identifier on this operation, as the policy decides at load. */
function ruleCovers(rule: ObjectRule, op: Operation, field: Field): boolean {
  if (isExplicit(rule) && !selects(rule, op)) return false;
  const where = locate(rule.param, op);
  if (where === undefined) return false;
  if (where === 'body') return field.in === 'body' && rule.param.path.join('.') === field.path;
  return field.in === where && rule.param.name === field.name;
}

/** Whether a masking rule reaches this response field: its path would visit it, or its category fits the field's name. */
function maskCovers(rule: MaskingRule, op: Operation, field: Field): boolean {
  if (rule.operations !== undefined && !rule.operations.includes(op.id) && !(op.operationId !== undefined && rule.operations.includes(op.operationId))) return false;
  if (rule.path !== undefined) {
    let hit = false;
    try {
      visitPath(sample(field.path), compilePath(rule.path), () => { hit = true; });
    } catch {
      return false;
    }
    return hit;
  }
  return rule.category !== undefined && categoryOf(field) === rule.category;
}

/** A value shaped like the field's place in the body (`items[].email` -> { items: [{ email: 1 }] }). */
function sample(fieldPath: string): unknown {
  const parts = fieldPath.split('.').flatMap((part) => {
    const bare = part.replace(/(\[\])+$/, '');
    const arrays = (part.length - bare.length) / 2;
    return [...(bare === '' ? [] : [bare]), ...Array<string>(arrays).fill('[]')];
  });
  let value: unknown = 1;
  for (let i = parts.length - 1; i >= 0; i--) value = parts[i] === '[]' ? [value] : { [parts[i] as string]: value };
  return value;
}

/** The masking category a field's name or format says it holds. */
function categoryOf(field: Field): string | undefined {
  const n = normName(field.name);
  if (field.schema.format === 'email' || n.includes('email')) return 'email';
  if (n.includes('phone') || n.includes('mobile')) return 'phone';
  if (n === 'ssn' || n.includes('socialsecurity')) return 'ssn';
  if (n.includes('iban')) return 'iban';
  if (n.includes('card') || n === 'pan') return 'card';
  if (n.includes('jwt') || n.endsWith('token')) return 'jwt';
  if (n.includes('password') || n.includes('secret') || n.endsWith('key')) return 'secret';
  if (n.includes('ip') && n.includes('address')) return 'ipv4';
  return undefined;
}
