import type { DecisionNote, Identity, RequestContext } from '../../gateway/context.js';
import type { CompiledRoute } from '../../gateway/runtime-types.js';
import type { IdentityRuntime } from '../../identity/runtime.js';

export type { DecisionNote };

/** The policies whose refusals are identity decisions (recorded in the decision trail). */
export const IDENTITY_POLICIES = new Set(['authenticate', 'authorize', 'object-auth', 'step-up']);

export function noteRefusal(ctx: RequestContext, note: DecisionNote): void {
  ctx.decisionNote ??= note;
}

/**
 * Writes the request's identity decision once, from the log phase of whichever identity policy
 * runs first: a refusal with its internal reason, or an allow with the route's rule summary.
 */
export function recordDecision(ctx: RequestContext, rt: IdentityRuntime, summary: string, logger: { info(obj: object, msg: string): void }): void {
  // Fields on the request rather than weak side tables: a WeakSet entry per request costs more in
  // the garbage collector than anything else here.
  if (ctx.decisionRecorded) return;
  ctx.decisionRecorded = true;
  const note = ctx.decisionNote;
  const identity = ctx.identity;
  const denied = note !== undefined && (note.mode === 'monitor' || ctx.deniedBy === note.policy);
  if (note !== undefined && note.mode === 'enforce') {
    // The log never sees the credential, only its reason and secret-free id.
    logger.info({ reqId: ctx.id, policy: note.policy, code: note.code, reason: note.reason, credential: identity?.credentialId }, 'identity refusal');
  }
  const trail = rt.trail;
  if (trail === undefined) return;
  // A request refused before the identity policies decided anything is not an identity decision.
  if (!denied && ctx.deniedBy !== undefined && !IDENTITY_POLICIES.has(ctx.deniedBy) && ctx.upstreamStatus === 0 && identity === undefined) return;
  const tail = note === undefined ? allowTail(ctx, identity, summary) : recordTail(ctx, note, denied, summary, identity);
  trail.writeParts(Date.now(), ctx.id, tail);
}

/**
 * Everything of a record after its request id. Serialised here, field by field, rather than
 * built as an object for JSON.stringify: one record per request makes this the identity
 * policies' largest cost. Every value that is not a fixed word goes through JSON.stringify, so
 * escaping is exactly JSON's. Same fields and order as DecisionRecord.
 */
function recordTail(ctx: RequestContext, note: DecisionNote | undefined, denied: boolean, summary: string, identity: Identity | undefined): string {
  const str = JSON.stringify;
  return ',"api":' + str(ctx.api?.name ?? '')
    + ',"operation":' + str(ctx.route?.label ?? '')
    + ',"method":' + str(ctx.method)
    + ',"decision":' + (denied ? '"deny"' : '"allow"')
    + ',"mode":' + (note?.mode === 'monitor' ? '"monitor"' : '"enforce"')
    + ',"policy":' + str(note?.policy ?? 'identity')
    + ',"rule":' + str(note?.rule ?? summary)
    + ',"reason":' + str(note?.reason ?? 'all identity checks passed')
    + (note === undefined ? '' : ',"code":' + str(note.code))
    + ',"identity":' + str(identity?.subject ?? '(anonymous)')
    + ',"kind":' + str(identity?.kind ?? 'anonymous')
    + (identity?.issuer === undefined ? '' : ',"issuer":' + str(identity.issuer))
    + (identity?.credentialId === undefined ? '' : ',"credential":' + str(identity.credentialId))
    + ',"ip":' + str(ctx.clientIp)
    + '}';
}

/**
 * The last allow tail of each route, reused while the same caller (the same verified identity,
 * which the token caches hand out as one object) calls it again from the same address: the
 * usual run of an API client. Anything else is serialised afresh.
 */
interface AllowTail { readonly identity: Identity | undefined; readonly ip: string; readonly method: string; readonly summary: string; readonly text: string }
const allowTails = new WeakMap<CompiledRoute, AllowTail>();

function allowTail(ctx: RequestContext, identity: Identity | undefined, summary: string): string {
  const route = ctx.route;
  if (route === undefined) return recordTail(ctx, undefined, false, summary, identity);
  const last = allowTails.get(route);
  if (last !== undefined && last.identity === identity && last.ip === ctx.clientIp && last.method === ctx.method && last.summary === summary) return last.text;
  const text = recordTail(ctx, undefined, false, summary, identity);
  allowTails.set(route, { identity, ip: ctx.clientIp, method: ctx.method, summary, text });
  return text;
}
