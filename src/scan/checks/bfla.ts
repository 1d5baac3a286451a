/**
 * Broken function level authorization (API5): operations that look administrative (by path,
 * operationId, tag, summary or required scope) are called by a normal identity. A 2xx is a
 * finding when the same request without credentials is refused (else the operation is open to
 * everyone, which the auth check reports) and the answer is not empty; the identity used is the
 * first one not named like an administrator.
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
  // The plan already says so (safety.ts prerequisites).
  if (user === undefined) return;
  for (const op of ctx.operations.filter(looksAdministrative)) {
    if (op.method === 'DELETE' && !ctx.tuning.destructive) continue;
    ctx.phase(`bfla ${op.id}`);
    const values = goodValues(ctx, op, user.name);
    // Without credentials first: an operation open to everyone has no function-level rule to break.
    const anonymous = await sendOp(ctx, op, values, undefined);
    if (anonymous.response.status !== 401 && anonymous.response.status !== 403) continue;
    const sent = await sendOp(ctx, op, values, user);
    if (sent.response.status >= 200 && sent.response.status < 300 && !/^\s*(\[\s*\]|\{\s*\})?\s*$/.test(sent.response.body)) {
      ctx.findings.add({
        ruleId: 'bfla.admin-operation-as-user', check: 'bfla', severity: 'high', owasp: OWASP.API5,
        title: 'Administrative operation allowed for a normal user', operation: op.id, request: sent.request, response: sent.response,
        evidence: `${op.method} ${op.path} looks administrative, refused a request without credentials (${anonymous.response.status}) and answered ${sent.response.status} with content to the non-admin "${user.name}"`,
      });
    }
  }
}
