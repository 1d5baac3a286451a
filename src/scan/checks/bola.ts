/**
 * Broken object level authorization (API1): objects one identity created or listed are requested
 * by another. The owner's own read must succeed first; the other identity getting the same
 * object with a 2xx is a finding unless it had listed that object itself (a shared object).
 */
import { isPrivileged } from '../auth.js';
import { goodValues, isSecured, sendOp, type ScanContext } from '../context.js';
import type { RequestValues } from '../request.js';
import { OWASP } from '../types.js';

export async function bolaCheck(ctx: ScanContext): Promise<void> {
  const users = ctx.identities.filter((i) => !isPrivileged(i));
  const [owner, other] = users.length >= 2 ? users : ctx.identities;
  if (owner === undefined || other === undefined) {
    ctx.note('bola: needs two identities (--auth user1=... --auth user2=...); skipped');
    return;
  }
  for (const r of ctx.resources) {
    // An operation anyone may call has no object-level authorization to break.
    if (r.read === undefined || !isSecured(r.read)) continue;
    ctx.phase(`bola ${r.read.id}`);
    if (ctx.objects.of(r.collection, owner.name).length === 0 && r.create !== undefined) {
      await sendOp(ctx, r.create, goodValues(ctx, r.create, owner.name), owner);
    }
    if (ctx.objects.of(r.collection, owner.name).length === 0 && r.list !== undefined) {
      await sendOp(ctx, r.list, goodValues(ctx, r.list, owner.name), owner);
    }
    // What the other identity can list itself is shared with it, not leaked to it.
    if (r.list !== undefined) await sendOp(ctx, r.list, goodValues(ctx, r.list, other.name), other);
    const visibleToOther = new Set(ctx.objects.of(r.collection, other.name).map((o) => o.id));
    // An object the owner created is tested even when the other can list it: listings often show
    // titles while the object itself holds the private part.
    const targets = ctx.objects.of(r.collection, owner.name).filter((o) => o.created || !visibleToOther.has(o.id)).slice(0, 2);
    for (const obj of targets) {
      const base = goodValues(ctx, r.read, owner.name);
      const values: RequestValues = { ...base, path: { ...base.path, [r.param]: obj.id } };
      const mine = await sendOp(ctx, r.read, values, owner);
      if (mine.response.status < 200 || mine.response.status >= 300) continue;
      const theirs = await sendOp(ctx, r.read, values, other);
      if (theirs.response.status >= 200 && theirs.response.status < 300) {
        ctx.findings.add({
          ruleId: 'bola.read-other-users-object', check: 'bola', severity: 'high', owasp: OWASP.API1,
          title: 'Object of one user readable by another', operation: r.read.id, request: theirs.request, response: theirs.response,
          evidence: `${r.read.method} ${r.read.path} with ${r.param}=${String(obj.id)} (${obj.created ? 'created' : 'listed'} by "${owner.name}") answered ${theirs.response.status} to "${other.name}"`,
        });
        break;
      }
    }
  }
}
