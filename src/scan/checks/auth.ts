/**
 * Broken authentication (API2): every secured operation is replayed from a request that succeeded
 * with a real credential, now without credentials, with a malformed token, an unsigned token
 * (alg: none), a token signed by another key, an expired token and a token for another audience.
 * Any 2xx is a finding: the service accepted a credential it cannot have verified.
 */
import { forgeries, type Forgery } from '../auth.js';
import { goodValues, isSecured, sendOp, type ScanContext } from '../context.js';
import { asIdentity, buildRequest, withHeaders } from '../request.js';
import { OWASP, type Severity } from '../types.js';

const SEVERITY: Record<Forgery['id'], Severity> = {
  'no-credentials': 'high', malformed: 'high', 'alg-none': 'critical', 'bad-signature': 'critical', expired: 'high', 'wrong-audience': 'medium',
};

const ok = (status: number): boolean => status >= 200 && status < 300;

export async function authCheck(ctx: ScanContext): Promise<void> {
  const secured = ctx.operations.filter(isSecured).slice(0, 25);
  const identity = ctx.primary;
  for (const op of secured) {
    ctx.phase(`auth ${op.id}`);
    const values = goodValues(ctx, op, identity?.name);
    // The baseline: the real credential must succeed, or a refusal of a forgery proves nothing.
    const baseline = identity === undefined ? undefined : await sendOp(ctx, op, values, identity);
    if (baseline !== undefined && !ok(baseline.response.status)) continue;
    const variants = identity === undefined
      ? [{ id: 'no-credentials', label: 'without credentials', value: undefined } satisfies Forgery]
      : forgeries(identity, Math.floor(Date.now() / 1000));
    const anonymous = asIdentity(buildRequest(op, values, ctx.basePath), undefined);
    const header = identity?.header.toLowerCase() ?? 'authorization';
    for (const forgery of variants) {
      // The same request with the forged header in place of the real one (or none at all).
      const request = withHeaders(anonymous, { [header]: forgery.value });
      const response = await ctx.client.send(request, op.id);
      if (!ok(response.status)) continue;
      ctx.findings.add({
        ruleId: `auth.${forgery.id}`, check: 'auth', severity: SEVERITY[forgery.id], owasp: OWASP.API2,
        title: `Secured operation accepts a request ${forgery.label}`, operation: op.id,
        request, response,
        evidence: `${op.method} ${op.path} declares security but answered ${response.status} ${forgery.label}`,
      });
    }
  }
}
