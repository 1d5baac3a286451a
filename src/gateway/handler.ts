import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Denial } from '../errors/index.js';
import { addressGate, type AddressGate } from '../policies/revocation/address-gate.js';
import type { PhaseResult, PolicyInstance } from '../policies/types.js';
import { acceptRequest, bodyLimitFor } from './accept.js';
import { hasBody, isDenial, readBody } from './body.js';
import { RequestContext } from './context.js';
import { complete } from './complete.js';
import { proxy } from './proxy.js';
import { isQueryFailure, parseQuery } from './query.js';
import { queryDenial, requestBodyProblem } from './request-body.js';
import { requestIdFor } from './request-id.js';
import { crossOrigin } from './cross-origin.js';
import { sendDenial } from './respond.js';
import type { CompiledRoute, RouteMatch, Runtime } from './runtime-types.js';
import type { GatewayServices } from './services.js';
import { framingProblem } from './smuggling.js';
import { http2Problem, isHttp2 } from './http2.js';
import { isWebSocketUpgrade, openWebSocket, type Upgrade, type WebSockets } from './websocket.js';

const CASE_VARIANT: Denial = { code: 'GH_REQUEST_AMBIGUOUS', detail: 'the path differs from a declared one only in letter case; paths are case-sensitive' };
const SEMICOLON_PATH: Denial = { code: 'GH_REQUEST_AMBIGUOUS', detail: '";" in the path is read as a path parameter by some servers and as data by others' };
const NO_VERSION: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'the request line has no HTTP version (HTTP/0.9 is not served)' };
const UPGRADE_BODY: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'an upgrade request with a body is not served' };
/**
 * Declared bodies up to this size are read whole and sent upstream as one buffer even when no
 * policy reads them. Piping the request stream into undici costs more than the copy: measured
 * with `npm run bench -- peers` (docs/benchmarks.md), a plain POST of 1 KB took about as much CPU
 * streamed as a POST checked by every policy and sent as a buffer. Larger bodies stream, so the
 * gateway never holds more than this per request for policies that do not need it.
 */
const STREAM_ABOVE_BYTES = 64 * 1024;
const VERSION: Denial = { code: 'GH_REQUEST_HTTP_VERSION', detail: 'HTTP/1.0 and HTTP/1.1 are served on this connection' };

/** The request handler of every listener: accept -> route -> policies -> proxy -> respond -> observe. */
export function createHandler(current: () => Runtime, services: GatewayServices, secure: boolean) {
  // The revocation list outlives reloads: its gate is made once per listener.
  const gate = addressGate(services);
  const serve = (req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): void => {
    // A request pipelined behind one whose answer closes the connection (a framing refusal, a
    // refusal sent before its body was read): it is dropped with the connection, never forwarded.
    if (req.socket.writableEnded) {
      req.socket.destroy();
      return;
    }
    const ctx = new RequestContext(requestIdFor(req.headers['x-request-id']), req, res, secure);
    if (upgrade !== undefined) ctx.upgrade = upgrade;
    let pending: Promise<void> | undefined;
    try {
      pending = handle(ctx, current(), services, gate);
    } catch (error) {
      failed(ctx, services, error);
      return;
    }
    // A forwarded request is observed by its upstream exchange when the answer is done.
    if (pending === undefined) {
      if (!ctx.forwarded) complete(ctx, services);
    } else {
      pending.then(() => { if (!ctx.forwarded) complete(ctx, services); }, (error: unknown) => failed(ctx, services, error));
    }
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    // Pipelined behind a request still unanswered on this connection: Node queues the response
    // and hands it the socket once the one before is done, and never if that answer closed the
    // connection. Handled only then: whether it may be forwarded at all depends on that answer.
    if (res.socket === null) {
      res.once('socket', () => serve(req, res));
      return;
    }
    serve(req, res);
  };
  return Object.assign(handler, { serve });
}

/**
 * The listener's `upgrade` handler, attached when an API declares WebSocket operations: Node
 * hands every request with `Connection: upgrade` here instead of to the request handler. A
 * WebSocket handshake runs the request pipeline and is joined to the upstream (websocket.ts);
 * any other upgrade (h2c, ...) is served as the plain request it also is, its Upgrade header
 * dropped as hop-by-hop. The connection closes after either answer: the parser has let go of it.
 */
export function createUpgradeHandler(current: () => Runtime, services: GatewayServices, secure: boolean, sockets: WebSockets) {
  const handler = createHandler(current, services, secure);
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.once('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    if (!isWebSocketUpgrade(req.headers)) {
      // The bytes after the head were taken from the parser: a body cannot be read as one.
      if (hasBody(req)) {
        const ctx = new RequestContext(requestIdFor(req.headers['x-request-id']), req, res, secure);
        sendDenial(ctx, UPGRADE_BODY, 'accept');
        complete(ctx, services);
        return;
      }
      handler(req, res);
      return;
    }
    handler.serve(req, res, { socket, head, sockets });
  };
}

function failed(ctx: RequestContext, services: GatewayServices, error: unknown): void {
  services.logger.error({ reqId: ctx.id, err: error }, 'unexpected error in the request pipeline');
  // Once forwarded, the upstream exchange owns the answer and ends it itself.
  if (ctx.forwarded) return;
  if (!ctx.res.headersSent) sendDenial(ctx, { code: 'GH_INTERNAL' }, undefined);
  else ctx.res.destroy();
  complete(ctx, services);
}

/**
 * Runs everything before the upstream call. Synchronous as long as every step is (routing,
 * validation, cached identity checks): a promise, and the microtask turns it costs, appear only
 * where a policy or the body read actually waits. Returns that promise while something waits;
 * undefined once the answer is sent or the request is handed to the upstream exchange.
 */
function handle(ctx: RequestContext, runtime: Runtime, services: GatewayServices, gate: AddressGate | undefined): Promise<void> | undefined {
  const limits = runtime.config.limits;
  ctx.accessLine = runtime.accessLine;
  const tracing = runtime.tracing;
  if (tracing !== undefined) tracing.start(ctx);
  // Framing first: a smuggled request must not reach routing, policies or the upstream.
  const req = ctx.req;
  // llhttp reads `GET /path` (no version) as HTTP/0.9 and accepts 2.0 in an HTTP/1 request line:
  // neither is forwarded, and nothing after it on the connection is read.
  if (req.httpVersionMajor !== 1) {
    // An HTTP/2 stream (http2.ts), or an HTTP/1 request line claiming another version.
    const problem = req.httpVersionMajor === 2 && isHttp2(req) ? http2Problem(req, limits.maxHeaderBytes) : req.httpVersionMajor === 0 ? NO_VERSION : VERSION;
    if (problem !== undefined) {
      sendDenial(ctx, problem, 'accept');
      if (!isHttp2(req)) req.socket.end();
      return undefined;
    }
  } else {
    const framing = framingProblem(req);
    if (framing !== undefined) {
      sendDenial(ctx, framing, 'accept');
      // Nothing after this message on the connection can be trusted to start where we think it does.
      req.socket.end();
      return undefined;
    }
  }
  const refused = acceptRequest(ctx, limits);
  if (refused !== undefined) return deny(ctx, refused, 'accept');
  const resolveIp = runtime.clientIp;
  if (resolveIp !== undefined) ctx.clientIp = resolveIp(ctx.req);
  const match = runtime.match(ctx.method, ctx.path);
  // Blocked addresses before any answer that depends on the route or the credentials.
  const blocked = gate?.(ctx.clientIp);
  if (blocked === undefined) return routed(ctx, match, runtime, services);
  if (!(blocked instanceof Promise)) return refuseAddress(ctx, match, blocked);
  return blocked.then((denial) => (denial === undefined ? routed(ctx, match, runtime, services) : refuseAddress(ctx, match, denial)));
}

/**
 * A blocked (or over-throttled) address gets one answer whatever it sends: not 404 or 405
 * for a path, not 401 or 403 for a credential. The observe phase still learns which route
 * was targeted (inventory, decision trail), the client does not.
 */
function refuseAddress(ctx: RequestContext, match: RouteMatch, denial: Denial): undefined {
  ctx.api = match.kind === 'route' ? match.route.api : match.api;
  if (match.kind === 'route') {
    ctx.route = match.route;
    ctx.pathParams = match.params;
  } else if (match.kind === 'none') {
    ctx.unmatched = true;
    ctx.route = match.api?.passthrough;
  }
  return deny(ctx, denial, 'revocation');
}

/** Answers for a path or method no route has, else runs the route's request phase. */
function routed(ctx: RequestContext, match: RouteMatch, runtime: Runtime, services: GatewayServices): Promise<void> | undefined {
  // A page on another origin: its preflight is answered here, before the contract and
  // authentication (it carries neither credentials nor body), and a disallowed origin is refused.
  if (ctx.req.headers.origin !== undefined && (match.kind === 'route' ? match.route.api : match.api)?.cors !== undefined && crossOrigin(ctx, match, runtime)) return undefined;
  const limits = runtime.config.limits;
  if (match.kind === 'method') {
    ctx.api = match.api;
    return deny(ctx, { code: 'GH_ROUTE_METHOD_NOT_ALLOWED', headers: { allow: match.allowed.join(', ') } }, 'route');
  }
  let route: CompiledRoute;
  if (match.kind === 'none') {
    ctx.api = match.api;
    ctx.unmatched = true;
    const passthrough = match.api?.passthrough;
    if (passthrough === undefined) return deny(ctx, { code: 'GH_ROUTE_NOT_FOUND' }, 'route');
    if (match.caseVariant) return deny(ctx, CASE_VARIANT, 'route');
    route = passthrough;
  } else {
    route = match.route;
    ctx.pathParams = match.params;
    const slash = route.trailingSlash;
    const path = ctx.path;
    // Forwarded as the operation declares it: the router ignores a trailing slash, an upstream may not.
    if (slash !== undefined && path.length > 1 && (path.charCodeAt(path.length - 1) === 47) !== slash) {
      ctx.path = slash ? `${path}/` : path.slice(0, -1);
    }
  }
  // Path parameters `;a=b` (Tomcat, Spring) are stripped by some servers before routing.
  if (!route.semicolonsInPath && ctx.path.indexOf(';') !== -1) return deny(ctx, SEMICOLON_PATH, 'route');
  ctx.api = route.api;
  ctx.route = route;
  const charset = route.api.config.charset;
  const query = parseQuery(ctx.rawQuery, charset);
  if (isQueryFailure(query)) return deny(ctx, queryDenial(query, 'query string', charset), 'accept');
  ctx.query = query;

  const stopped = runPhase(ctx, route.request, 'request', 0);
  if (stopped === true) return undefined;
  if (stopped === false) return afterRequestPhase(ctx, route, limits, services);
  return stopped.then((stop) => (stop ? undefined : afterRequestPhase(ctx, route, limits, services)));
}

/** Reads or streams the body, runs the body phase, and forwards. */
function afterRequestPhase(ctx: RequestContext, route: CompiledRoute, limits: Runtime['config']['limits'], services: GatewayServices): Promise<void> | undefined {
  if (ctx.upgrade !== undefined) {
    openWebSocket(ctx, route, ctx.upgrade, services);
    return undefined;
  }
  if (!hasBody(ctx.req)) {
    proxy(ctx, route, undefined, services);
    return undefined;
  }
  const maxBodyBytes = bodyLimitFor(ctx.req.headers['content-type'], limits);
  const declared = ctx.req.headers['content-length'];
  // Bodies are buffered when a policy reads them, when their length is unknown (chunked), so the
  // size limit holds either way, and when they are small; only a large declared body streams
  // straight to the upstream.
  if (route.needsRequestBody || declared === undefined || Number(declared) <= STREAM_ABOVE_BYTES) {
    return readBody(ctx.req, maxBodyBytes).then((raw) => {
      if (isDenial(raw)) return deny(ctx, raw, 'accept');
      ctx.rawBody = raw;
      // Parsed before any body policy runs, when one in enforce mode will read it: a body two
      // parsers could read differently is refused here, whichever policy would have read it.
      if (route.bodyEnforced) {
        const problem = requestBodyProblem(ctx);
        if (problem !== undefined) return deny(ctx, problem, 'accept');
      }
      const stopped = runPhase(ctx, route.requestBody, 'requestBody', 0);
      if (stopped === true) return undefined;
      if (stopped === false) return proxy(ctx, route, raw, services);
      return stopped.then((stop) => { if (!stop) proxy(ctx, route, raw, services); });
    });
  }
  if (Number(declared) > maxBodyBytes) {
    return deny(ctx, { code: 'GH_REQUEST_BODY_TOO_LARGE', detail: `the limit is ${maxBodyBytes} bytes` }, 'accept');
  }
  proxy(ctx, route, ctx.req, services);
  return undefined;
}

function deny(ctx: RequestContext, denial: Denial, policy: string): undefined {
  sendDenial(ctx, denial, policy);
  return undefined;
}

/**
 * Runs one phase from policy `from` on; true when a policy in enforce mode refused (the answer
 * has been sent). Stays synchronous until a policy returns a promise.
 */
function runPhase(ctx: RequestContext, policies: readonly PolicyInstance[], phase: 'request' | 'requestBody', from: number): boolean | Promise<boolean> {
  for (let i = from; i < policies.length; i++) {
    const policy = policies[i] as PolicyInstance;
    const result: PhaseResult = policy[phase]?.(ctx);
    if (result === undefined) continue;
    if (result instanceof Promise) {
      return result.then((settled) => (settled !== undefined && decide(ctx, policy, settled)) || runPhase(ctx, policies, phase, i + 1));
    }
    if (decide(ctx, policy, result)) return true;
  }
  return false;
}

/** A policy's refusal: answered in enforce mode (true), noted in monitor mode (false). */
function decide(ctx: RequestContext, policy: PolicyInstance, denial: Denial): boolean {
  if (policy.mode === 'enforce') {
    sendDenial(ctx, denial, policy.name);
    return true;
  }
  ctx.monitor(policy.name, denial);
  return false;
}
