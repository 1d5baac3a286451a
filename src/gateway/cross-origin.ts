import type { OutgoingHttpHeaders } from 'node:http';
import { isPreflightAnswer, type CompiledCors } from '../policies/cors/cors.js';
import type { RequestContext } from './context.js';
import { sendDenial } from './respond.js';
import type { RouteMatch, Runtime } from './runtime-types.js';

/**
 * The CORS step of a request with an Origin header to an API with a `cors` policy. True when it
 * answered the request (a preflight, or a refusal in enforce mode); false to go on, with the
 * CORS answer headers set on `ctx.responseHeaders` when the origin is allowed.
 */
export function crossOrigin(ctx: RequestContext, match: RouteMatch, runtime: Runtime): boolean {
  const api = match.kind === 'route' ? match.route.api : match.api;
  const cors = api?.cors as CompiledCors;
  const origin = (ctx.req.headers.origin as string).toLowerCase();
  const requested = ctx.req.headers['access-control-request-method'];
  if (ctx.method === 'OPTIONS' && requested !== undefined) {
    ctx.api = api;
    ctx.preflight = true;
    // Is the method the real request will use served at this path (by an operation, or passed through)?
    const target = runtime.match(requested, ctx.path);
    const served = target.kind === 'route' || (target.kind === 'none' && target.api?.passthrough !== undefined && !target.caseVariant);
    const answer = cors.preflight(ctx, origin, requested, served);
    if (isPreflightAnswer(answer)) {
      answerPreflight(ctx, answer.headers);
    } else if (cors.mode === 'enforce') {
      sendDenial(ctx, answer, 'cors');
    } else {
      // Monitor: noted, and answered without any Access-Control-Allow-*: the browser still
      // refuses the real request, so monitoring opens nothing.
      ctx.monitor('cors', answer);
      answerPreflight(ctx, {});
    }
    return true;
  }
  const refused = cors.actual(ctx, origin);
  if (refused === undefined) return false;
  if (cors.mode === 'monitor') {
    ctx.monitor('cors', refused);
    return false;
  }
  ctx.api = api;
  sendDenial(ctx, refused, 'cors');
  return true;
}

function answerPreflight(ctx: RequestContext, cors: OutgoingHttpHeaders): void {
  ctx.res.writeHead(204, {
    ...ctx.api?.securityHeaders,
    ...cors,
    // The answer depends on all three: a cache must not give one origin's answer to another.
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    'x-request-id': ctx.id,
  });
  ctx.res.end();
}
