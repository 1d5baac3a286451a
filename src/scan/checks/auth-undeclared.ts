/**
 * Authentication on operations the spec leaves unsecured (API2). Specs often omit `security` on
 * operations the service does protect; the checks that read the spec would then never attack
 * them. With an identity, each such operation is called with and without the credential: when
 * only the credential succeeds, the operation is secured in fact (a warning that the spec does not
 * say so, API9) and it gets the forged credentials the `auth` check sends to declared ones; an
 * object read among them is also requested by another identity (object-level authorization, API1).
 * Later checks (`jwt`) treat these operations as secured.
 */
import type { Operation } from '../../openapi/index.js';
import { flowsOf, ownedAccounts } from '../accounts.js';
import { forgeries, type Forgery } from '../auth.js';
import { goodValues, isSecured, sendOp, type ScanContext } from '../context.js';
import { idOf } from '../resources.js';
import { OWASP, type Severity } from '../types.js';
import { allowance } from './allowance.js';
import { parties } from './bola-write.js';
import { freshValues } from './fresh.js';

const SEVERITY: Record<Forgery['id'], Severity> = {
  'no-credentials': 'high', malformed: 'high', 'alg-none': 'critical', 'bad-signature': 'critical', expired: 'high', 'wrong-audience': 'medium',
};
const MAX_OPERATIONS = 25;
const MAX_REQUESTS = 150;

const secured = new WeakMap<ScanContext, Set<string>>();
const ok = (s: number): boolean => s >= 200 && s < 300;

/** True when this scan found the operation refuses anonymous callers although the spec declares no security. */
export function effectivelySecured(ctx: ScanContext, op: Operation): boolean {
  return secured.get(ctx)?.has(op.id) ?? false;
}

export async function authUndeclaredCheck(ctx: ScanContext): Promise<void> {
  const identity = ctx.primary ?? (await ownedAccounts(ctx, 1))[0]?.identity;
  if (identity === undefined) {
    ctx.note('auth-undeclared: needs an identity (--auth) to tell a public operation from a protected one; skipped');
    return;
  }
  const flows = flowsOf(ctx);
  const entry = new Set([flows.login?.op, flows.register?.op, flows.reset?.op].filter((o) => o !== undefined).map((o) => o.id));
  const candidates = ctx.operations.filter((op) => !isSecured(op) && !entry.has(op.id) && op.method !== 'DELETE'
    && (op.method === 'GET' || op.method === 'HEAD' || ctx.successes.has(op.id))).slice(0, MAX_OPERATIONS);
  const found = secured.get(ctx) ?? new Set<string>();
  secured.set(ctx, found);
  const more = allowance(ctx, MAX_REQUESTS);
  for (const op of candidates) {
    if (!more()) break;
    ctx.phase(`auth-undeclared ${op.id}`);
    const values = op.path.includes('{') ? await freshValues(ctx, op, identity) : goodValues(ctx, op, identity.name);
    const mine = await sendOp(ctx, op, values, identity);
    if (!ok(mine.response.status)) continue;
    const anonymous = await sendOp(ctx, op, values, undefined);
    if (anonymous.response.status !== 401 && anonymous.response.status !== 403) continue;
    found.add(op.id);
    ctx.findings.add({
      ruleId: 'auth-undeclared.security-not-declared', kind: 'warning', check: 'auth-undeclared', severity: 'info', owasp: OWASP.API9,
      title: 'Operation requires credentials the spec does not declare', operation: op.id, request: anonymous.request, response: anonymous.response,
      evidence: `${op.method} ${op.path} declares no security, yet answered ${anonymous.response.status} without credentials and ${mine.response.status} with "${identity.name}"'s`,
    });
    const header = identity.header.toLowerCase();
    for (const forgery of forgeries(identity, Math.floor(Date.now() / 1000))) {
      if (forgery.id === 'no-credentials') continue;
      const sent = await sendOp(ctx, op, values, undefined, { headers: { [header]: forgery.value ?? '' } });
      if (!ok(sent.response.status)) continue;
      ctx.findings.add({
        ruleId: `auth-undeclared.${forgery.id}`, check: 'auth-undeclared', severity: SEVERITY[forgery.id], owasp: OWASP.API2,
        title: `Operation the spec leaves unsecured accepts a request ${forgery.label}`, operation: op.id,
        request: sent.request, response: sent.response,
        evidence: `${op.method} ${op.path} refuses anonymous callers (${anonymous.response.status}) but answered ${sent.response.status} ${forgery.label}`,
      });
    }
  }
  await objectReads(ctx, found, more);
}

/** An object one identity created, read by another, on the reads found secured here (the `bola` check reads only declared ones). */
async function objectReads(ctx: ScanContext, found: ReadonlySet<string>, more: () => boolean): Promise<void> {
  const reads = ctx.operations.filter((op) => op.method === 'GET' && found.has(op.id)).flatMap((read) => {
    const r = ctx.resources.find((x) => x.create !== undefined && read.path.startsWith(`${x.collection}/{${x.param}}`) && (read.path.match(/\{/g) ?? []).length === 1);
    return r === undefined ? [] : [{ r, read }];
  }).slice(0, 5);
  if (reads.length === 0) return;
  const pair = await parties(ctx);
  if (pair === undefined) return;
  const { attacker, victim } = pair;
  for (const { r, read } of reads) {
    if (!more()) break;
    const create = r.create as Operation;
    const made = await sendOp(ctx, create, goodValues(ctx, create, victim.identity.name), victim.identity);
    const id = ok(made.response.status) ? idOf(made.response.json, r.param) : undefined;
    if (id === undefined) continue;
    const base = goodValues(ctx, read, victim.identity.name);
    const values = { ...base, path: { ...base.path, [r.param]: id } };
    if (!ok((await sendOp(ctx, read, values, victim.identity)).response.status)) continue;
    const theirs = await sendOp(ctx, read, values, attacker.identity);
    if (!ok(theirs.response.status)) continue;
    ctx.findings.add({
      ruleId: 'auth-undeclared.read-other-users-object', check: 'auth-undeclared', severity: 'high', owasp: OWASP.API1,
      title: 'Object of one user readable by another (on an operation the spec leaves unsecured)', operation: read.id,
      request: theirs.request, response: theirs.response,
      evidence: `${read.method} ${read.path} with ${r.param}=${String(id)}, created by "${victim.identity.name}" for the test, answered ${theirs.response.status} to "${attacker.identity.name}"`,
    });
  }
}
