/**
 * Values whose object ids are alive now. Ids remembered from earlier in a scan go stale (the
 * object was deleted, or the service reset its data), and a request to a stale id only tests
 * the service's 404. For an operation under a collection the scan can create in, a new object is
 * created first with the acting identity and its id used.
 */
import type { Operation } from '../../openapi/index.js';
import { goodValues, sendOp, type ScanContext } from '../context.js';
import type { RequestValues } from '../request.js';
import { idOf } from '../resources.js';
import type { Identity } from '../types.js';

export async function freshValues(ctx: ScanContext, op: Operation, identity: Identity | undefined): Promise<RequestValues> {
  const base = goodValues(ctx, op, identity?.name);
  const r = ctx.resources.find((x) => x.create !== undefined && x.create !== op && op.path.startsWith(`${x.collection}/{${x.param}}`));
  if (r?.create === undefined) return base;
  const created = await sendOp(ctx, r.create, goodValues(ctx, r.create, identity?.name), identity);
  if (created.response.status < 200 || created.response.status >= 300) return base;
  const id = idOf(created.response.json, r.param);
  return id === undefined ? base : { ...base, path: { ...base.path, [r.param]: id } };
}
