/**
 * Stateful sequences: for each resource, create -> read -> update -> delete -> read again, with
 * the id taken from the create response. Each step is judged like a fuzz request (crash, 5xx,
 * schema violation); a created object that cannot be read, or a deleted one that still can, is a
 * warning (the spec rarely states that behaviour).
 */
import type { Operation } from '../../openapi/index.js';
import { goodValues, sampleValues, sendOp, type ScanContext, type Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import { idOf, type Resource } from '../resources.js';
import { OWASP } from '../types.js';
import { robustnessProblem } from './judge.js';

function judge(ctx: ScanContext, op: Operation, sent: Sent, step: string): boolean {
  const problem = robustnessProblem(ctx, op, sent.response, sent.request);
  if (problem === undefined) return true;
  ctx.findings.add({
    ruleId: problem.ruleId.replace(/^fuzz\./, 'stateful.'), check: 'stateful', severity: problem.severity, owasp: OWASP.API8,
    title: `${problem.title} in a create/read/update/delete sequence`, operation: op.id, request: sent.request, response: sent.response,
    evidence: `${step}: ${op.method} ${op.path} ${problem.detail}`,
  });
  return false;
}

function warn(ctx: ScanContext, op: Operation, sent: Sent, rule: string, title: string, evidence: string): void {
  ctx.findings.add({ ruleId: rule, kind: 'warning', check: 'stateful', severity: 'low', owasp: undefined, title, operation: op.id, request: sent.request, response: sent.response, evidence });
}

const ok = (s: number): boolean => s >= 200 && s < 300;

async function chain(ctx: ScanContext, r: Resource, create: Operation): Promise<void> {
  const who = ctx.primary;
  const created = await sendOp(ctx, create, goodValues(ctx, create, who?.name), who);
  if (!judge(ctx, create, created, 'create') || !ok(created.response.status)) return;
  const id = idOf(created.response.json, r.param);
  if (id === undefined) {
    ctx.note(`stateful: ${create.id} answered ${created.response.status} without an id field; ${r.collection}/{${r.param}} not chained`);
    return;
  }
  const at = (_op: Operation, base: RequestValues): RequestValues => ({ ...base, path: { ...base.path, [r.param]: id } });
  if (r.read !== undefined) {
    const read = await sendOp(ctx, r.read, at(r.read, goodValues(ctx, r.read, who?.name)), who);
    if (judge(ctx, r.read, read, `read after create (${r.param}=${String(id)})`) && read.response.status === 404) {
      warn(ctx, r.read, read, 'stateful.created-not-found', 'Created object cannot be read', `${create.method} ${create.path} created ${r.param}=${String(id)} but ${r.read.method} ${r.read.path} answered 404`);
    }
  }
  if (r.update !== undefined) {
    const fresh = sampleValues(ctx, r.update, 1, 7)[0] as RequestValues;
    const update = await sendOp(ctx, r.update, at(r.update, fresh), who);
    judge(ctx, r.update, update, `update after create (${r.param}=${String(id)})`);
  }
  if (r.remove !== undefined && ctx.tuning.destructive) {
    const removed = await sendOp(ctx, r.remove, at(r.remove, goodValues(ctx, r.remove, who?.name)), who);
    if (!judge(ctx, r.remove, removed, 'delete') || !ok(removed.response.status)) return;
    ctx.objects.forget(r.collection, id);
    if (r.read !== undefined) {
      const after = await sendOp(ctx, r.read, at(r.read, goodValues(ctx, r.read, who?.name)), who);
      if (judge(ctx, r.read, after, 'read after delete') && ok(after.response.status)) {
        warn(ctx, r.read, after, 'stateful.deleted-still-readable', 'Deleted object still readable', `${r.param}=${String(id)} answered ${after.response.status} after ${r.remove.method} ${r.remove.path} succeeded`);
      }
    }
  }
}

export async function statefulCheck(ctx: ScanContext): Promise<void> {
  for (const r of ctx.resources) {
    if (r.create === undefined) continue;
    ctx.phase(`stateful ${r.collection}`);
    await chain(ctx, r, r.create);
  }
}
