import { accessLineFor } from '../observe/access-log.js';
import type { RequestContext } from './context.js';
import { cutOf } from './cuts.js';
import type { GatewayServices } from './services.js';

/** For a request that failed before it met a runtime. */
const DEFAULT_LINE = accessLineFor('gatehouse');

/**
 * The observe phase: metrics, the access log line and observers. Runs once per request, after
 * the answer; never throws. Logs the path without the query string: query values can carry
 * tokens and personal data.
 */
export function complete(ctx: RequestContext, services: GatewayServices): void {
  if (ctx.observed) return;
  ctx.observed = true;
  try {
    let status = ctx.res.statusCode;
    // A body that timed out: the listener answered 408 on the wire (cuts.ts), whatever the
    // pipeline made of the broken read afterwards.
    const cut = ctx.req.complete ? undefined : cutOf(ctx.req);
    if (cut !== undefined) {
      status = cut.status;
      ctx.denial = cut;
      ctx.deniedBy = 'accept';
    }
    ctx.status = status;
    const route = ctx.route;
    const seconds = (performance.now() - ctx.startMs) / 1000;
    if (route !== undefined) {
      route.metrics.requests(status).inc();
      route.metrics.duration.observe(seconds);
      if (ctx.denial !== undefined) route.metrics.refusal(ctx.denial.code, 'enforce').inc();
      if (ctx.monitored !== undefined) for (const m of ctx.monitored) route.metrics.refusal(m.denial.code, 'monitor').inc();
      if (ctx.strippedFields > 0) route.metrics.stripped.inc(ctx.strippedFields);
      for (const policy of route.log) policy.log?.(ctx);
    } else {
      const api = ctx.api?.name ?? '(none)';
      services.metrics.requests.child(api, '(unmatched)', String(status)).inc();
      if (ctx.denial !== undefined) services.metrics.refusals.labels(api, '(unmatched)', ctx.denial.code, 'enforce').inc();
    }
    if (ctx.monitored !== undefined) {
      for (const m of ctx.monitored) {
        services.logger.warn({ reqId: ctx.id, api: ctx.api?.name, operation: route?.label, policy: m.policy, code: m.denial.code, detail: m.denial.detail }, 'monitor mode: would have refused');
      }
    }
    if (services.logger.isLevelEnabled('info') && accessLogOn(ctx)) {
      services.logger.info((ctx.accessLine ?? DEFAULT_LINE)(ctx, status, seconds, ctx.trace?.traceId), 'request');
    }
    // A preflight the gateway answered is a browser's question to the gateway, never seen by the
    // API: recorded, it would be an undeclared OPTIONS operation (a shadow API) in the inventory.
    if (!ctx.preflight) for (const observe of services.observers) observe(ctx);
  } catch (error) {
    services.logger.error({ reqId: ctx.id, err: error }, 'observe phase failed');
  }
  // Last, and whatever happened above: a span never ended is never exported.
  const trace = ctx.trace;
  if (trace !== undefined) {
    try {
      trace.end(ctx, ctx.status);
    } catch (error) {
      services.logger.error({ reqId: ctx.id, err: error }, 'ending the request span failed');
    }
  }
}

function accessLogOn(ctx: RequestContext): boolean {
  return ctx.api === undefined || ctx.api.accessLog;
}
