import type { DecisionNote, RequestContext } from '../../gateway/context.js';
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
  // One literal with every field (absent ones undefined, which JSON leaves out): one object shape
  // for every record, where conditional spreads would build a new shape each time.
  trail.write({
    at: isoNow(),
    requestId: ctx.id,
    api: ctx.api?.name ?? '',
    operation: ctx.route?.label ?? '',
    method: ctx.method,
    decision: denied ? 'deny' : 'allow',
    mode: note?.mode ?? 'enforce',
    policy: note?.policy ?? 'identity',
    rule: note?.rule ?? summary,
    reason: note?.reason ?? 'all identity checks passed',
    code: note?.code,
    identity: identity?.subject ?? '(anonymous)',
    kind: identity?.kind ?? 'anonymous',
    issuer: identity?.issuer,
    credential: identity?.credentialId,
    ip: ctx.clientIp,
  });
}

let isoMs = 0;
let iso = '';

/** The time as an ISO string, formatted once per millisecond however many decisions share it. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}
