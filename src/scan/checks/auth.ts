/**
 * Broken authentication (API2): every secured operation is replayed from a request that succeeded
 * with a real credential, now without credentials, then with a malformed token, an unsigned token
 * (alg: none), a token signed by another key, an expired token and a token for another audience.
 * A forged credential proves something only when the same request without any credential is
 * refused: an operation that answers anonymous callers is reported as such, once, and its forged
 * tokens are not counted again. Tokens signed by another key that are accepted show the signature
 * is not checked; the expired and wrong-audience tokens (signed by such a key too) then say nothing
 * more and are folded into that finding.
 */
import { forgeries, type Forgery } from '../auth.js';
import { goodValues, isSecured, sendOp, type ScanContext } from '../context.js';
import { confine, senderFor } from '../credential-writes.js';
import { asIdentity, buildRequest, withHeaders } from '../request.js';
import { OWASP, type ScanResponse, type Severity } from '../types.js';

const SEVERITY: Record<Forgery['id'], Severity> = {
  'no-credentials': 'high', malformed: 'high', 'alg-none': 'critical', 'bad-signature': 'critical', expired: 'high', 'wrong-audience': 'medium',
};

const ok = (status: number): boolean => status >= 200 && status < 300;

/** Whether two answers carry the same kind of content (same JSON shape, or the same text). */
export function sameContent(a: ScanResponse, b: ScanResponse): boolean {
  if (a.json === undefined || b.json === undefined) return a.body === b.body;
  if (Array.isArray(a.json) || Array.isArray(b.json)) return Array.isArray(a.json) && Array.isArray(b.json) && (a.json.length > 0) === (b.json.length > 0);
  if (a.json === null || b.json === null || typeof a.json !== 'object' || typeof b.json !== 'object') return a.body === b.body;
  const ka = Object.keys(a.json);
  const kb = new Set(Object.keys(b.json));
  return ka.length > 0 && ka.filter((k) => kb.has(k)).length * 2 >= Math.max(ka.length, kb.size);
}

export async function authCheck(ctx: ScanContext): Promise<void> {
  const secured = ctx.operations.filter(isSecured).slice(0, 25);
  for (const op of secured) {
    // On a password change, the baseline and every forgery derived from it act as the scanner's
    // own account: a forgery the service accepts would otherwise change a given user's password.
    const sender = await senderFor(ctx, op);
    if ('skip' in sender) continue;
    const identity = sender.identity;
    ctx.phase(`auth ${op.id}`);
    const values = await confine(ctx, op, goodValues(ctx, op, identity?.name), sender);
    // The baseline: the real credential must succeed, or a refusal of a forgery proves nothing.
    const baseline = identity === undefined ? undefined : await sendOp(ctx, op, values, identity);
    if (baseline !== undefined && !ok(baseline.response.status)) continue;
    const anonymous = asIdentity(buildRequest(op, values, ctx.basePath, { schemaName: ctx.schemaName }), undefined);
    const header = identity?.header.toLowerCase() ?? 'authorization';
    const bare = withHeaders(anonymous, { [header]: undefined });
    const open = await ctx.client.send(bare, op.id);
    if (ok(open.status)) {
      const same = baseline === undefined || sameContent(baseline.response, open);
      ctx.findings.add({
        ruleId: 'auth.no-credentials', check: 'auth', severity: same ? 'high' : 'medium', owasp: OWASP.API2,
        title: 'Secured operation accepts a request without credentials', operation: op.id, request: bare, response: open,
        evidence: `${op.method} ${op.path} declares security but answered ${open.status} without credentials`
          + (baseline === undefined ? '' : same ? ', with the same content as for the real credential' : ' (with other content than for the real credential)'),
      });
      continue;
    }
    if (identity === undefined) continue;
    const accepted: { forgery: Forgery; request: typeof bare; response: ScanResponse }[] = [];
    for (const forgery of forgeries(identity, Math.floor(Date.now() / 1000)).filter((f) => f.id !== 'no-credentials')) {
      // The same request with the forged header in place of the real one.
      const request = withHeaders(anonymous, { [header]: forgery.value });
      const response = await ctx.client.send(request, op.id);
      if (ok(response.status)) accepted.push({ forgery, request, response });
    }
    const signatureIgnored = accepted.some((a) => a.forgery.id === 'bad-signature');
    for (const { forgery, request, response } of accepted) {
      if (signatureIgnored && (forgery.id === 'expired' || forgery.id === 'wrong-audience')) continue;
      const alsoIgnored = forgery.id === 'bad-signature' ? accepted.filter((a) => a.forgery.id === 'expired' || a.forgery.id === 'wrong-audience').map((a) => a.forgery.label) : [];
      ctx.findings.add({
        ruleId: `auth.${forgery.id}`, check: 'auth', severity: SEVERITY[forgery.id], owasp: OWASP.API2,
        title: `Secured operation accepts a request ${forgery.label}`, operation: op.id, request, response,
        evidence: `${op.method} ${op.path} refused the request without credentials (${open.status}) but answered ${response.status} ${forgery.label}`
          + (alsoIgnored.length > 0 ? `; it also accepted tokens ${alsoIgnored.join(' and ')}, which says nothing more once signatures are not checked` : ''),
      });
    }
  }
}
