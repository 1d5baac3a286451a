/**
 * Broken function level authorization (API5): operations that look administrative (by path,
 * operationId, tag, summary or required scope) are called by a normal identity. A 2xx is a
 * finding; the identity used is the first one not named like an administrator.
 */
import type { Operation } from '../../openapi/index.js';
import { isPrivileged } from '../auth.js';
import { goodValues, sendOp, type ScanContext } from '../context.js';
import { OWASP } from '../types.js';

const ADMIN = /(^|[^a-z])(admin|administrator|internal|manage|management|staff|superuser|backoffice|sudo)([^a-z]|$)/i;

export function looksAdministrative(op: Operation): boolean {
  const scopes = op.security.flatMap((req) => Object.values(req).flat());
  return [op.path, op.operationId ?? '', op.summary ?? '', ...op.tags, ...scopes].some((s) => ADMIN.test(s.replace(/([a-z])([A-Z])/g, '$1 $2')));
}

export async function bflaCheck(ctx: ScanContext): Promise<void> {
  const user = ctx.identities.find((i) => !isPrivileged(i));
  if (user === undefined) {
    ctx.note('bfla: needs a non-administrative identity (--auth user1=...); skipped');
    return;
  }
  for (const op of ctx.operations.filter(looksAdministrative)) {
    if (op.method === 'DELETE' && !ctx.tuning.destructive) continue;
    ctx.phase(`bfla ${op.id}`);
    const sent = await sendOp(ctx, op, goodValues(ctx, op), user);
    if (sent.response.status >= 200 && sent.response.status < 300) {
      ctx.findings.add({
        ruleId: 'bfla.admin-operation-as-user', check: 'bfla', severity: 'high', owasp: OWASP.API5,
        title: 'Administrative operation allowed for a normal user', operation: op.id, request: sent.request, response: sent.response,
        evidence: `${op.method} ${op.path} looks administrative and answered ${sent.response.status} to "${user.name}"`,
      });
    }
  }
}
