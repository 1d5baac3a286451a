import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Denial } from '../errors/index.js';
import type { PhaseResult, PolicyInstance } from '../policies/types.js';
import { acceptRequest, bodyLimitFor } from './accept.js';
import { hasBody, isDenial, readBody } from './body.js';
import { RequestContext } from './context.js';
import { complete } from './complete.js';
import { proxy } from './proxy.js';
import { parseQuery } from './query.js';
import { requestIdFor } from './request-id.js';
import { sendDenial } from './respond.js';
import type { CompiledRoute, Runtime } from './runtime-types.js';
import type { GatewayServices } from './services.js';
import { framingProblem } from './smuggling.js';

const MALFORMED_QUERY: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'the query string has malformed percent-encoding' };

/** The request handler of every listener: accept -> route -> policies -> proxy -> respond -> observe. */
export function createHandler(current: () => Runtime, services: GatewayServices, secure: boolean) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    // A request pipelined behind one refused for its framing: its boundaries were computed from
    // framing we just called ambiguous, so it is dropped with the connection, never forwarded.
    if (req.socket.writableEnded) {
      req.socket.destroy();
      return;
    }
    const ctx = new RequestContext(requestIdFor(req.headers['x-request-id']), req, res, secure);
    handle(ctx, current(), services).then(
      () => complete(ctx, services),
      (error: unknown) => {
        services.logger.error({ reqId: ctx.id, err: error }, 'unexpected error in the request pipeline');
        if (!res.headersSent) sendDenial(ctx, { code: 'GH_INTERNAL' }, undefined);
        else res.destroy();
        complete(ctx, services);
      },
    );
  };
}

async function handle(ctx: RequestContext, runtime: Runtime, services: GatewayServices): Promise<void> {
  const limits = runtime.config.limits;
  // Framing first: a smuggled request must not reach routing, policies or the upstream.
  const framing = framingProblem(ctx.req);
  if (framing !== undefined) {
    sendDenial(ctx, framing, 'accept');
    // Nothing after this message on the connection can be trusted to start where we think it does.
    ctx.req.socket.end();
    return;
  }
  const refused = acceptRequest(ctx, limits);
  if (refused !== undefined) return sendDenial(ctx, refused, 'accept');
  const resolveIp = runtime.clientIp;
  if (resolveIp !== undefined) ctx.clientIp = resolveIp(ctx.req);

  const match = runtime.match(ctx.method, ctx.path);
  if (match.kind === 'method') {
    ctx.api = match.api;
    return sendDenial(ctx, { code: 'GH_ROUTE_METHOD_NOT_ALLOWED', headers: { allow: match.allowed.join(', ') } }, 'route');
  }
  let route: CompiledRoute;
  if (match.kind === 'none') {
    ctx.api = match.api;
    ctx.unmatched = true;
    const passthrough = match.api?.passthrough;
    if (passthrough === undefined) return sendDenial(ctx, { code: 'GH_ROUTE_NOT_FOUND' }, 'route');
    route = passthrough;
  } else {
    route = match.route;
    ctx.pathParams = match.params;
  }
  ctx.api = route.api;
  ctx.route = route;
  const query = parseQuery(ctx.rawQuery);
  if (query === undefined) return sendDenial(ctx, MALFORMED_QUERY, 'accept');
  ctx.query = query;

  if (await runPhase(ctx, route.request, 'request')) return;

  let body: Buffer | Readable | undefined;
  if (hasBody(ctx.req)) {
    const maxBodyBytes = bodyLimitFor(ctx.req.headers['content-type'], limits);
    // Bodies are buffered when a policy reads them or when their length is unknown (chunked),
    // so the size limit holds either way; otherwise they stream straight to the upstream.
    if (route.needsRequestBody || ctx.req.headers['content-length'] === undefined) {
      const raw = await readBody(ctx.req, maxBodyBytes);
      if (isDenial(raw)) return sendDenial(ctx, raw, 'accept');
      ctx.rawBody = raw;
      body = raw;
      if (await runPhase(ctx, route.requestBody, 'requestBody')) return;
    } else {
      if (Number(ctx.req.headers['content-length']) > maxBodyBytes) {
        return sendDenial(ctx, { code: 'GH_REQUEST_BODY_TOO_LARGE', detail: `the limit is ${maxBodyBytes} bytes` }, 'accept');
      }
      body = ctx.req;
    }
  }
  await proxy(ctx, route, body, services);
}

/** Runs one phase; true when a policy in enforce mode refused (the answer has been sent). */
async function runPhase(ctx: RequestContext, policies: readonly PolicyInstance[], phase: 'request' | 'requestBody'): Promise<boolean> {
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i] as PolicyInstance;
    let result: PhaseResult = policy[phase]?.(ctx);
    if (result instanceof Promise) result = await result;
    if (result === undefined) continue;
    if (policy.mode === 'enforce') {
      sendDenial(ctx, result, policy.name);
      return true;
    }
    ctx.monitor(policy.name, result);
  }
  return false;
}
