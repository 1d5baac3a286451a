/**
 * Unrestricted resource consumption (API4): a bounded burst against one cheap read must meet a
 * 429 somewhere, and a page-size parameter must not return more records than the spec's maximum.
 * A huge page size that is accepted but returns no more than the maximum (the service may clamp
 * it, or hold fewer records) is a warning, as is a page size the spec does not bound.
 */
import type { Operation } from '../../openapi/index.js';
import { numericBounds } from '../arbitrary.js';
import { goodValues, sendOp, type ScanContext, type Sent } from '../context.js';
import { itemsOf } from '../resources.js';
import { OWASP } from '../types.js';

const PAGE_SIZE = /^(limit|size|page_?size|per_?page|count|top|max|max_?results|take|first|last|\$top)$/i;
const HUGE = 100_000;

/** Per scan: whether any answer so far showed a limiter (a 429, or RateLimit headers). */
const limiterSeen = new WeakMap<ScanContext, string>();

export function rateLimitObserver(ctx: ScanContext): void {
  ctx.client.onExchange((e) => {
    if (limiterSeen.has(ctx)) return;
    const h = e.response.headers;
    if (e.response.status === 429) limiterSeen.set(ctx, `${e.request.method} ${e.request.path.split('?')[0] ?? ''} answered 429`);
    else if (h.ratelimit !== undefined || h['ratelimit-limit'] !== undefined || h['x-ratelimit-limit'] !== undefined || h['ratelimit-policy'] !== undefined) {
      limiterSeen.set(ctx, 'responses carry RateLimit headers');
    }
  });
}

function burstTarget(ctx: ScanContext): Operation | undefined {
  const gets = ctx.operations.filter((o) => o.method === 'GET');
  return gets.find((o) => ctx.successes.has(o.id)) ?? gets[0];
}

/**
 * Below this rate, a burst that was all served proves nothing: a per-client limiter of a few
 * hundred requests a second, which a busy target or a slow network cannot outrun, would also
 * have served it. Above it, any limiter meant for abuse would have refused some.
 */
const MIN_BURST_RATE = 200;

const servedAll = (burst: readonly Sent[]): boolean => burst.every((b) => b.response.status >= 200 && b.response.status < 300 && b.response.outage !== true);

export async function rateLimitCheck(ctx: ScanContext): Promise<void> {
  const op = burstTarget(ctx);
  // A limiter already seen during the scan (per-minute limits trip on the fuzzing, not on a burst).
  if (op !== undefined && limiterSeen.has(ctx)) ctx.note(`rate-limit: a limiter is in place (${limiterSeen.get(ctx) ?? ''}); burst skipped`);
  else if (op !== undefined) {
    ctx.phase(`rate-limit burst ${op.id}`);
    const values = goodValues(ctx, op, ctx.primary?.name);
    // All in flight at once: a limiter that refills between sequential batches would never show.
    // A second burst follows at once when the first was all served too slowly to tell: its
    // connections are open, so it arrives faster, and a bucket the first drained has not refilled.
    let all: Sent[] = [];
    let total = 0;
    let tookMs = 1;
    for (let attempt = 0; attempt < 2; attempt++) {
      total = Math.min(ctx.tuning.burst, ctx.client.remaining);
      if (total < 20) break;
      const started = performance.now();
      all = await Promise.all(Array.from({ length: total }, () => sendOp(ctx, op, values, ctx.primary, { unpaced: true })));
      tookMs = Math.max(1, Math.round(performance.now() - started));
      if (limiterSeen.has(ctx) || !servedAll(all) || (total * 1000) / tookMs >= MIN_BURST_RATE) break;
    }
    const limited = limiterSeen.has(ctx) || all.some((b) => b.response.status === 503);
    // A burst the target did not survive is reported as an outage, not as a missing limiter.
    const answered = servedAll(all);
    const last = all[all.length - 1];
    const perSecond = Math.round((total * 1000) / tookMs);
    if (!limited && answered && last !== undefined && total >= 20 && perSecond < MIN_BURST_RATE) {
      // Served slowly enough that a limiter refilling faster than the burst arrived would also
      // have served it all: no evidence either way.
      ctx.note(`rate-limit: ${total} requests to ${op.method} ${op.path} were all served, but over ${tookMs} ms (${perSecond}/s); a limiter allowing that rate would not have refused any, so no verdict`);
    } else if (!limited && answered && last !== undefined && total >= 20) {
      // Neither the burst nor anything earlier in the scan met a limiter.
      ctx.findings.add({
        ruleId: 'rate-limit.none', check: 'rate-limit', severity: 'medium', owasp: OWASP.API4,
        title: 'No rate limiting', operation: op.id, request: last.request, response: last.response,
        evidence: `${total} requests to ${op.method} ${op.path} sent at once (answered within ${tookMs} ms, ${perSecond}/s) were all served; none was answered 429`,
      });
    }
  }
  for (const target of ctx.operations) {
    const param = target.parameters.find((p) => p.in === 'query' && PAGE_SIZE.test(p.name));
    if (param === undefined) continue;
    ctx.phase(`rate-limit page size ${target.id}`);
    const { max } = numericBounds(param.schema ?? {}, true);
    const base = goodValues(ctx, target, ctx.primary?.name);
    // Optional filters left out: as many records as the service holds may come back.
    const required = new Set(target.parameters.filter((p) => p.in === 'query' && p.required).map((p) => p.name));
    const query = Object.fromEntries(Object.entries(base.query).filter(([k]) => required.has(k)));
    const sent = await sendOp(ctx, target, { ...base, query: { ...query, [param.name]: HUGE } }, ctx.primary);
    if (sent.response.status < 200 || sent.response.status >= 300) continue;
    const items = itemsOf(sent.response.json).length;
    const declared = max !== undefined && max < HUGE;
    // Evidence: more records than the declared maximum came back. Accepting the number alone is not.
    const proven = declared && items > max;
    ctx.findings.add({
      ruleId: 'rate-limit.page-size', kind: proven ? 'finding' : 'warning', check: 'rate-limit', severity: proven ? 'medium' : 'low', owasp: OWASP.API4,
      title: 'Page size not bounded', operation: target.id, request: sent.request, response: sent.response,
      evidence: `${param.name}=${HUGE} answered ${sent.response.status} with ${items} records`
        + (declared ? (proven ? `, more than the spec's maximum of ${max}` : `; the spec caps it at ${max}, and no more came back (clamped, or fewer records exist)`) : '; the spec declares no maximum'),
    });
  }
}
