/**
 * Before attacking, prove each identity's credential works: one request per identity to a secured
 * read operation must succeed. A scan whose credentials are refused would report a clean service
 * while testing only its login wall, so it stops with a clear error instead.
 */
import type { Operation } from '../openapi/index.js';
import { goodValues, isSecured, sendOp, type ScanContext } from './context.js';
import { ScanError } from './errors.js';
import { BudgetExhausted } from './http.js';

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
    let refused = 0;
    for (const op of ops) {
      let res;
      try {
        res = (await sendOp(ctx, op, goodValues(ctx, op, identity?.name), identity)).response;
      } catch (error) {
        if (error instanceof BudgetExhausted) throw new ScanError('GH_SCAN_USAGE', 'the request budget is too small to start the scan');
        throw error;
      }
      if (res.status === 0) {
        throw new ScanError('GH_SCAN_TARGET_UNREACHABLE', `the target ${ctx.client.origin} did not answer ${op.method} ${ctx.basePath}${op.path}: ${res.errorMessage ?? res.error ?? 'no response'}`);
      }
      seen.push(`${op.method} ${op.path} -> ${res.status}`);
      if (res.status >= 200 && res.status < 300) { proven = true; break; }
      if (res.status === 401 || res.status === 403) refused++;
    }
    if (identity === undefined) return;
    if (!proven && refused > 0) {
      throw new ScanError('GH_SCAN_CREDENTIALS_REFUSED', `the credential of identity "${identity.name}" (${identity.header}) was refused: ${seen.join(', ')}. Check --auth / --auth-file; nothing was attacked.`);
    }
    if (!proven) ctx.note(`credentials of "${identity.name}" not proven (no 2xx from ${seen.join(', ')}); results for secured operations may be incomplete`);
  }
}
