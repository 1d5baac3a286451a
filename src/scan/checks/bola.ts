/**
 * Broken object level authorization (API1): objects one identity created or listed are requested
 * by another. Both must be non-admin identities (an admin reading a user's object is its job).
 * The owner's own read must succeed first; the other identity getting the same object — a 2xx
 * with the content the owner got, not merely a 2xx — is a finding unless it had listed that
 * object itself (a shared object).
 */
import { isPrivileged } from '../auth.js';
import { goodValues, isSecured, sendOp, type ScanContext } from '../context.js';
import type { RequestValues } from '../request.js';
import { ownValue } from '../values.js';
import { OWASP, type ScanResponse } from '../types.js';

/** The same object: equal bodies, or JSON objects agreeing on their id-like fields and most others. */
export function sameObject(a: ScanResponse, b: ScanResponse): boolean {
  if (a.body === b.body) return a.body !== '' && a.body !== '{}' && a.body !== '[]';
  if (a.json === null || b.json === null || typeof a.json !== 'object' || typeof b.json !== 'object' || Array.isArray(a.json) || Array.isArray(b.json)) return false;
  const x = a.json as Record<string, unknown>;
  const y = b.json as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => typeof x[k] !== 'object' || x[k] === null);
  if (keys.length === 0) return false;
  const equal = keys.filter((k) => JSON.stringify(x[k]) === JSON.stringify(y[k]));
  const ids = keys.filter((k) => /^(id|_id|uuid)$|Id$|_id$/.test(k));
  return ids.every((k) => equal.includes(k)) && equal.length * 4 >= keys.length * 3;
}

export async function bolaCheck(ctx: ScanContext): Promise<void> {
  const [owner, other] = ctx.identities.filter((i) => !isPrivileged(i));
  // The plan already says so (safety.ts prerequisites); nothing to do without them.
  if (owner === undefined || other === undefined) return;
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
    // An object that names its owner (`/users/{userId}` with the owner's own id): read it as the owner.
    // Only then: an arbitrary id may be anyone's, or public, and proves nothing about ownership.
    const param = r.read.parameters.find((p) => p.in === 'path' && p.name === r.param);
    const ownId = ownValue(r.read, r.param, param?.schema, ctx.known.profile(owner.name));
    if (ctx.objects.of(r.collection, owner.name).length === 0 && ownId !== undefined) {
      const base = goodValues(ctx, r.read, owner.name);
      await sendOp(ctx, r.read, { ...base, path: { ...base.path, [r.param]: ownId } }, owner);
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
      // A 2xx with other content (the caller's own object, an empty shell) is not the owner's object.
      if (theirs.response.status >= 200 && theirs.response.status < 300 && sameObject(mine.response, theirs.response)) {
        ctx.findings.add({
          ruleId: 'bola.read-other-users-object', check: 'bola', severity: 'high', owasp: OWASP.API1,
          title: 'Object of one user readable by another', operation: r.read.id, request: theirs.request, response: theirs.response,
          evidence: `${r.read.method} ${r.read.path} with ${r.param}=${String(obj.id)} (${obj.created ? 'created' : 'listed'} by "${owner.name}") answered ${theirs.response.status} to "${other.name}" with the content "${owner.name}" got`,
        });
        break;
      }
    }
  }
}
