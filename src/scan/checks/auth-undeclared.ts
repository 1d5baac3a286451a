/**
 * Authentication on operations the spec leaves unsecured (API2). Specs often omit `security` on
 * operations the service does protect; the checks that read the spec would then never attack
 * them. With an identity, each such operation is called with and without the credential: when
 * only the credential succeeds, the operation is secured in fact (a warning that the spec does not
 * say so, API9) and it gets the forged credentials the `auth` check sends to declared ones.
 * Later checks (`jwt`) treat these operations as secured.
 */
import type { Operation } from '../../openapi/index.js';
import { flowsOf, ownedAccounts, redactRequest } from '../accounts.js';
import { forgeries, type Forgery } from '../auth.js';
import { goodValues, isSecured, type ScanContext } from '../context.js';
import { OWASP, type Severity } from '../types.js';
import { sendEncoded } from './encode.js';

const SEVERITY: Record<Forgery['id'], Severity> = {
  'no-credentials': 'high', malformed: 'high', 'alg-none': 'critical', 'bad-signature': 'critical', expired: 'high', 'wrong-audience': 'medium',
};
const MAX_OPERATIONS = 25;

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
  for (const op of candidates) {
    ctx.phase(`auth-undeclared ${op.id}`);
    const values = goodValues(ctx, op, identity.name);
    const mine = await sendEncoded(ctx, op, values, identity);
    if (!ok(mine.response.status)) continue;
    const anonymous = await sendEncoded(ctx, op, values, undefined);
    if (anonymous.response.status !== 401 && anonymous.response.status !== 403) continue;
    found.add(op.id);
    ctx.findings.add({
      ruleId: 'auth-undeclared.security-not-declared', kind: 'warning', check: 'auth-undeclared', severity: 'info', owasp: OWASP.API9,
      title: 'Operation requires credentials the spec does not declare', operation: op.id, request: redactRequest(ctx, anonymous.request), response: anonymous.response,
      evidence: `${op.method} ${op.path} declares no security, yet answered ${anonymous.response.status} without credentials and ${mine.response.status} with "${identity.name}"'s`,
    });
    const header = identity.header.toLowerCase();
    for (const forgery of forgeries(identity, Math.floor(Date.now() / 1000))) {
      if (forgery.id === 'no-credentials') continue;
      const sent = await sendEncoded(ctx, op, values, undefined, { headers: { [header]: forgery.value ?? '' } });
      if (!ok(sent.response.status)) continue;
      ctx.findings.add({
        ruleId: `auth-undeclared.${forgery.id}`, check: 'auth-undeclared', severity: SEVERITY[forgery.id], owasp: OWASP.API2,
        title: `Operation the spec leaves unsecured accepts a request ${forgery.label}`, operation: op.id,
        request: redactRequest(ctx, sent.request), response: sent.response,
        evidence: `${op.method} ${op.path} refuses anonymous callers (${anonymous.response.status}) but answered ${sent.response.status} ${forgery.label}`,
      });
    }
  }
}
