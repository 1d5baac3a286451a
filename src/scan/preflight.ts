/**
 * Before attacking, prove each identity's credential works: a request to a secured read operation
 * must succeed, built with the identity's own values (its `userId` is its token's `sub`, see
 * values.ts) so an object-level rule does not refuse the proof itself. A 403 where the same
 * request without credentials gets 401 also proves the credential: the service knew who was
 * asking and refused that object (RFC 9110 §15.5.4). A scan whose credentials are refused would
 * report a clean service while testing only its login wall, so it stops with a clear error.
 */
import type { Operation } from '../openapi/index.js';
import { goodValues, isSecured, sendOp, type ScanContext } from './context.js';
import { BudgetExhausted, ScanError } from './errors.js';

function candidates(ctx: ScanContext): Operation[] {
  const reads = ctx.operations.filter((o) => o.method === 'GET');
  const secured = reads.filter(isSecured);
  const pool = secured.length > 0 ? secured : reads;
  const params = (o: Operation): number => o.parameters.filter((p) => p.required).length;
  return [...pool].sort((a, b) => params(a) - params(b)).slice(0, 3);
}

export async function proveCredentials(ctx: ScanContext): Promise<void> {
  const ops = candidates(ctx);
  if (ops.length === 0) {
    ctx.note('credentials not proven: the spec has no GET operation to try them on');
    return;
  }
  const identities = ctx.identities.length > 0 ? ctx.identities : [undefined];
  for (const identity of identities) {
    const seen: string[] = [];
    let proven = false;
    let recognised: string | undefined;
    let refused = 0;
    for (const op of ops) {
      let res;
      try {
        const values = goodValues(ctx, op, identity?.name);
        res = (await sendOp(ctx, op, values, identity)).response;
        if (res.status === 403 && identity !== undefined && isSecured(op)) {
          const anonymous = (await sendOp(ctx, op, values, undefined)).response;
          if (anonymous.status === 401) recognised ??= `${op.method} ${op.path} answered 403 to it and 401 without credentials`;
        }
      } catch (error) {
        if (error instanceof BudgetExhausted) throw new ScanError('GH_SCAN_USAGE', 'the request budget is too small to start the scan');
        throw error;
      }
      seen.push(`${op.method} ${op.path} -> ${res.status === 0 ? res.error ?? 'no answer' : res.status}`);
      if (res.status >= 200 && res.status < 300) { proven = true; break; }
      if (res.status === 401 || res.status === 403) refused++;
    }
    if (identity === undefined) return;
    if (!proven && recognised !== undefined) {
      ctx.note(`credentials of "${identity.name}" recognised (${recognised}) but no read succeeded with them; pass the ids it owns with --param (e.g. --param userId=...)`);
      continue;
    }
    if (!proven && refused > 0) {
      throw new ScanError('GH_SCAN_CREDENTIALS_REFUSED', `the credential of identity "${identity.name}" (${identity.header}) was refused: ${seen.join(', ')}. Check --auth / --auth-file / --login, or pass the ids it may read with --param; nothing was attacked.`);
    }
    if (!proven) ctx.note(`credentials of "${identity.name}" not proven (no 2xx from ${seen.join(', ')}); results for secured operations may be incomplete`);
  }
}
