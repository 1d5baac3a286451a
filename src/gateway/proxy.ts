import type { Readable } from 'node:stream';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Denial } from '../errors/index.js';
import type { UpstreamResponseView } from '../policies/types.js';
import type { RequestContext } from './context.js';
import { downstreamResponseHeaders, upstreamRequestHeaders, withoutQueryParams } from './headers.js';
import { complete } from './complete.js';
import { sendDenial } from './respond.js';
import type { CompiledRoute } from './runtime-types.js';
import type { GatewayServices } from './services.js';
import { upstreamErrorCode } from './upstream.js';
import type { EgressRuntime } from '../egress/runtime.js';

/**
 * Forwards the request upstream and answers the client. From here the exchange owns the request:
 * it runs the observe phase once the client's answer is complete, so no promise is needed.
 */
export function proxy(ctx: RequestContext, route: CompiledRoute, body: Buffer | Readable | undefined, services: GatewayServices): void {
  // Response filtering needs a plain body: the upstream is asked not to compress it.
  const filter = route.upstreamFilter;
  const egress = route.api.egress;
  const add = egress === undefined ? ctx.addHeaders : ctx.addHeaders === undefined ? egress.headers : { ...ctx.addHeaders, ...egress.headers };
  const headers = upstreamRequestHeaders(ctx.req.headers, ctx.clientIp, ctx.secure, ctx.id, filter, add, Buffer.isBuffer(body) ? body.length : -1, route.responseBody.length > 0, egress === undefined);
  // An API key sent in the query string is taken out; the rest of the query goes as it came.
  let query = filter.query.length === 0 ? ctx.rawQuery : withoutQueryParams(ctx.rawQuery, filter.query);
  let path = ctx.path;
  if (egress !== undefined) {
    if (egress.query !== '') query = query === '' ? egress.query : `${query}&${egress.query}`;
    // Mounted at /providers/acme, served by https://api.acme.example/v1: /v1 goes in its place.
    path = path.slice(egress.mount.length);
    if (path === '' && route.api.upstream.pathPrefix === '') path = '/';
  }
  const target = query === '' ? path : `${path}?${query}`;
  // gRPC servers refuse a request without `te: trailers` (the only TE HTTP/2 allows).
  if (route.api.config.grpc) headers.push('te', 'trailers');
  ctx.forwarded = true;
  const exchange = new Exchange(ctx, route, services, egress === undefined ? undefined : {
    hops: 0,
    deadline: performance.now() + egress.config.responseTimeoutMs,
    headers,
    path: route.api.upstream.pathPrefix + target,
  });
  const trace = ctx.trace;
  if (trace !== undefined) trace.upstreamStart(headers, route.api.upstream.server, ctx.method);
  route.api.upstream.dispatch(ctx.method, target, headers, body, exchange);
}

/** What an egress exchange keeps to follow a redirect and hold its deadline across hops. */
interface EgressHop {
  readonly hops: number;
  /** `performance.now()` by which the last byte must have arrived. */
  readonly deadline: number;
  readonly headers: string[];
  /** The path (and query) this hop asked the provider for: relative redirects resolve against it. */
  readonly path: string;
}

const PENDING = 0;
const STREAMING = 1;
const BUFFERING = 2;
const FINISHED = 3;

const TOO_LARGE: Denial = { code: 'GH_UPSTREAM_RESPONSE_TOO_LARGE' };
const BROKEN: Denial = { code: 'GH_UPSTREAM_UNAVAILABLE', detail: 'the upstream response broke off' };
const ENCODED: Denial = { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response is encoded and cannot be checked' };
const NOT_JSON: Denial = { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response is not valid JSON' };
const EGRESS_TIMEOUT: Denial = { code: 'GH_UPSTREAM_TIMEOUT', detail: 'the provider did not finish its answer within egress.responseTimeout' };

/**
 * One upstream exchange, driven through undici's dispatch handler rather than `pool.request`:
 * the response body never becomes a Readable stream. A body the policies read is collected
 * chunk by chunk and filtered once complete; any other is written to the client as it arrives,
 * the upstream paused while the client is not keeping up. Measured with `npm run bench`: the
 * stream and promise machinery of `request` + async iteration cost more per request than the
 * whole contract check.
 *
 * Whatever happens (upstream error, client gone, a policy throwing) the exchange ends exactly
 * once, with an answer or a cut connection, and runs the observe phase.
 */
class Exchange implements Dispatcher.DispatchHandler {
  private state = PENDING;
  private chunks: Buffer[] = [];
  private size = 0;
  /** Byte limit while reading the body; -1 when the upstream declared a length within the cap. */
  private limit = -1;
  private view: UpstreamResponseView | undefined = undefined;
  /** Bit i: route.responseBody[i] wanted this body. */
  private wanting = 0;
  private out: unknown[] | undefined = undefined;
  private readonly started = performance.now();
  private waiting = false;
  /** Egress only: the controller, so the deadline can abort the exchange, and the deadline's timer. */
  private controller: Dispatcher.DispatchController | undefined = undefined;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly ctx: RequestContext,
    private readonly route: CompiledRoute,
    private readonly services: GatewayServices,
    private readonly hop: EgressHop | undefined,
  ) {
    // Idle timeouts between chunks do not stop a body that drips one byte a second: a third
    // party's whole answer gets one deadline (egress.responseTimeout).
    if (hop !== undefined) this.timer = setTimeout(() => this.expire(), Math.max(0, hop.deadline - performance.now()));
  }

  /** Controller-style handler (undici checks for this method); egress keeps the controller for its deadline. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.hop === undefined) return;
    this.controller = controller;
    if (this.state === FINISHED) controller.abort(new Error('egress exchange already answered'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    // 1xx interim answers (103 Early Hints) are for this hop; the final answer follows.
    if (status < 200 || this.state !== PENDING) return;
    const ctx = this.ctx;
    const route = this.route;
    const egress = route.api.egress;
    if (egress !== undefined && status >= 300 && status < 400 && status !== 304 && headers.location !== undefined) {
      if (this.redirect(controller, egress, headerString(headers.location))) return;
    }
    ctx.upstreamStatus = status;
    ctx.upstreamMs = performance.now() - this.started;
    route.metrics.upstreamDuration.observe(ctx.upstreamMs / 1000);

    // A 5xx the contract does not declare may carry a stack trace or internals: withhold its body.
    if (status >= 500 && route.validators !== undefined && !route.validators.declaresStatus(status)) {
      this.services.logger.warn({ reqId: ctx.id, api: route.api.name, status }, 'upstream error response withheld');
      this.refuse(controller, { code: 'GH_UPSTREAM_ERROR' }, 'proxy', status);
      return;
    }
    const contentType = headerString(headers['content-type']);
    const view: UpstreamResponseView = { status, headers, contentType };
    const declared = headerString(headers['content-length']);
    const cap = route.api.upstream.maxResponseBytes;
    if (declared !== '' && Number(declared) > cap) {
      this.refuse(controller, TOO_LARGE, 'proxy');
      return;
    }
    this.limit = declared === '' ? cap : -1;
    if (this.wantsBody(ctx, route, view)) {
      const encoding = headerString(headers['content-encoding']);
      if (encoding === '' || encoding === 'identity') {
        this.view = view;
        this.out = downstreamResponseHeaders(headers, true, route.api.reservedResponseHeaders, noStore(ctx), ctx.responseHeaders);
        this.state = BUFFERING;
        return;
      }
      if (route.responseEnforced) {
        this.refuse(controller, ENCODED, 'response-contract');
        return;
      }
    }
    if (declared !== '') ctx.responseBytes = Number(declared);
    this.state = STREAMING;
    const out = downstreamResponseHeaders(headers, false, route.api.reservedResponseHeaders, noStore(ctx), ctx.responseHeaders);
    decorate(ctx, route, out);
    try {
      ctx.res.writeHead(status, out as string[]);
    } catch (error) {
      // Node refuses header values it cannot send (a bad character the upstream let through).
      this.fail(controller, error);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const state = this.state;
    if (state === FINISHED) return;
    this.size += chunk.length;
    if (this.limit !== -1 && this.size > this.limit) {
      this.services.logger.warn({ reqId: this.ctx.id, api: this.route.api.name, limit: this.limit }, 'upstream response exceeds maxResponseBytes');
      // Streaming: the client sees a broken response, not a complete-looking one.
      this.refuse(controller, TOO_LARGE, 'proxy');
      return;
    }
    if (state === BUFFERING) {
      this.chunks.push(chunk);
      return;
    }
    const res = this.ctx.res;
    if (res.destroyed) {
      this.finish();
      controller.abort(new Error('client went away'));
      return;
    }
    if (!res.write(chunk)) this.waitForClient(controller, res);
  }

  onResponseEnd(_controller: Dispatcher.DispatchController, trailers: IncomingHttpHeaders): void {
    const state = this.state;
    if (state === STREAMING) {
      this.ctx.responseBytes = this.size;
      // Trailers (gRPC's grpc-status) reach an HTTP/2 client as trailers; HTTP/1.1 drops them
      // unless the answer is chunked, as Node's addTrailers documents.
      for (const _ in trailers) {
        this.ctx.res.addTrailers(trailers as Record<string, string>);
        break;
      }
      this.ctx.res.end();
      this.finish();
    } else if (state === BUFFERING) {
      try {
        this.filter();
      } catch (error) {
        // The upstream exchange is complete; only our answer is left to settle.
        this.fail(undefined, error);
      }
      this.finish();
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const state = this.state;
    if (state === FINISHED) return;
    const ctx = this.ctx;
    if (state === PENDING) {
      const api = this.route.api.name;
      const code = (error as { code?: string }).code;
      this.services.metrics.upstreamErrors.labels(api, code ?? 'unknown').inc();
      this.services.logger.warn({ reqId: ctx.id, api, err: { code, message: error.message } }, 'upstream request failed');
      sendDenial(ctx, { code: upstreamErrorCode(error) }, 'proxy');
    } else if (state === BUFFERING) {
      this.services.logger.warn({ reqId: ctx.id, api: this.route.api.name, err: { code: (error as { code?: string }).code, message: error.message } }, 'upstream response broke off');
      sendDenial(ctx, BROKEN, 'proxy');
    } else if (!ctx.res.destroyed) {
      // Headers are out: nothing more can be said; the client sees the connection cut.
      ctx.res.destroy();
    }
    this.finish();
  }

  /** Runs the response-body policies over the collected body and answers. */
  private filter(): void {
    const ctx = this.ctx;
    const route = this.route;
    const view = this.view as UpstreamResponseView;
    const out = this.out as unknown[];
    const chunks = this.chunks;
    const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, this.size);
    this.chunks = [];
    if (this.unchanged(raw)) return send(ctx, route, view.status, out, raw);
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      if (route.responseEnforced) return sendDenial(ctx, NOT_JSON, 'response-contract');
      return send(ctx, route, view.status, out, raw);
    }
    const policies = route.responseBody;
    for (let i = 0; i < policies.length; i++) {
      const policy = policies[i] as (typeof policies)[number];
      const denial = policy.responseBody?.(ctx, view, value);
      if (denial === undefined) continue;
      if (policy.mode === 'enforce') return sendDenial(ctx, denial, policy.name);
      ctx.monitor(policy.name, denial);
    }
    send(ctx, route, view.status, out, ctx.strippedFields + ctx.maskedFields > 0 ? Buffer.from(JSON.stringify(value)) : raw);
  }

  /** Whether the policies that wanted the body each let the raw bytes through unparsed. */
  private unchanged(raw: Buffer): boolean {
    const policies = this.route.responseBody;
    // The mask holds 31 policies; a longer list (never seen in practice) always parses.
    if (policies.length > 30) return false;
    const view = this.view as UpstreamResponseView;
    for (let i = 0; i < policies.length; i++) {
      if ((this.wanting & (1 << i)) === 0) continue;
      const policy = policies[i] as (typeof policies)[number];
      if (policy.rawResponse?.(this.ctx, view, raw) !== true) return false;
    }
    return true;
  }

  /** Asks the response-body policies whether they want this body, noting which do. */
  private wantsBody(ctx: RequestContext, route: CompiledRoute, view: UpstreamResponseView): boolean {
    if (ctx.method === 'HEAD' || view.status === 204 || view.status === 304) return false;
    const policies = route.responseBody;
    let wanting = 0;
    for (let i = 0; i < policies.length; i++) {
      if (policies[i]?.wantsResponseBody?.(ctx, view) !== true) continue;
      wanting |= 1 << Math.min(i, 30);
    }
    this.wanting = wanting;
    return wanting !== 0;
  }

  /** Pauses the upstream until the client drains, or aborts it if the client goes away. */
  private waitForClient(controller: Dispatcher.DispatchController, res: ServerResponse): void {
    if (this.waiting) return;
    if (res.destroyed) {
      // Gone already: its 'close' has fired and no 'drain' will come.
      this.finish();
      controller.abort(new Error('client went away'));
      return;
    }
    this.waiting = true;
    controller.pause();
    const onDrain = (): void => {
      res.off('close', onClose);
      this.waiting = false;
      controller.resume();
    };
    const onClose = (): void => {
      res.off('drain', onDrain);
      this.waiting = false;
      if (this.state === FINISHED) return;
      this.finish();
      controller.abort(new Error('client went away'));
    };
    res.once('drain', onDrain);
    res.once('close', onClose);
  }

  /**
   * A redirect from an egress provider: followed on the pinned origin for GET and HEAD while
   * `egress.redirects` allows, else refused (monitor mode: recorded and passed on). True when
   * the exchange is settled here. A redirect is never passed to the caller in enforce mode: a
   * caller that followed it would go around the gateway, to wherever the provider points it.
   */
  private redirect(controller: Dispatcher.DispatchController, egress: EgressRuntime, location: string): boolean {
    const hop = this.hop as EgressHop;
    const ctx = this.ctx;
    const verdict = egress.redirect(location, hop.path);
    let denial: Denial;
    let reason: string;
    if ('path' in verdict) {
      const method = ctx.method;
      if ((method === 'GET' || method === 'HEAD') && hop.hops < egress.config.redirects) {
        this.state = FINISHED;
        this.stopTimer();
        controller.abort(new Error('redirect followed'));
        // The next hop carries no body: a length a GET's body once had must not go with it.
        const headers = withoutBodyHeaders(hop.headers);
        const next = new Exchange(ctx, this.route, this.services, { ...hop, hops: hop.hops + 1, path: verdict.path, headers });
        this.route.api.upstream.dispatchPath(method, verdict.path, headers, undefined, next);
        return true;
      }
      reason = 'redirect_limit';
      const limit = egress.config.redirects;
      denial = { code: 'GH_EGRESS_REDIRECT_REFUSED', detail: method !== 'GET' && method !== 'HEAD' ? `a redirect of a ${method} is not followed`
        : limit === 0 ? 'redirects from this provider are not followed' : `more than ${limit} redirect${limit === 1 ? '' : 's'}` };
    } else {
      reason = 'redirect_origin';
      denial = verdict.denial;
    }
    const mode = egress.monitor ? 'monitor' : 'enforce';
    this.services.metrics.egressRefusals.labels(this.route.api.name, reason, mode).inc();
    // The target's origin only: a provider's redirect URL may carry tokens in its query.
    this.services.logger.warn({ reqId: ctx.id, api: this.route.api.name, reason, mode, to: originOf(location, egress.origin) }, 'egress redirect refused');
    if (egress.monitor) {
      ctx.monitor('egress', denial);
      return false;
    }
    this.refuse(controller, denial, 'egress');
    return true;
  }

  /** egress.responseTimeout has passed: the caller gets a 504 (or a cut answer), the provider is dropped. */
  private expire(): void {
    this.timer = undefined;
    const state = this.state;
    if (state === FINISHED) return;
    const ctx = this.ctx;
    this.services.metrics.upstreamErrors.labels(this.route.api.name, 'response_timeout').inc();
    this.services.logger.warn({ reqId: ctx.id, api: this.route.api.name }, 'egress response exceeded responseTimeout');
    this.state = FINISHED;
    if (state === STREAMING) ctx.res.destroy();
    else sendDenial(ctx, EGRESS_TIMEOUT, 'egress');
    this.controller?.abort(new Error('egress response timeout'));
    complete(ctx, this.services);
  }

  private stopTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Answers with a refusal (or cuts a response already under way) and drops the upstream's answer. */
  private refuse(controller: Dispatcher.DispatchController, denial: Denial, policy: string, status?: number): void {
    const wasStreaming = this.state === STREAMING;
    // Finished before the abort, so the error it reports back is ignored.
    this.state = FINISHED;
    this.stopTimer();
    if (wasStreaming) this.ctx.res.destroy();
    else sendDenial(this.ctx, denial, policy, status);
    controller.abort(new Error('upstream response dropped'));
    complete(this.ctx, this.services);
  }

  /** Something of ours threw while answering: a clean 500 if possible, else a cut connection. */
  private fail(controller: Dispatcher.DispatchController | undefined, error: unknown): void {
    this.services.logger.error({ reqId: this.ctx.id, err: error }, 'unexpected error while answering');
    const res = this.ctx.res;
    if (!res.headersSent) sendDenial(this.ctx, { code: 'GH_INTERNAL' }, undefined);
    else if (!res.destroyed) res.destroy();
    const wasFinished = this.state === FINISHED;
    this.finish();
    if (!wasFinished) controller?.abort(new Error('answer failed'));
  }

  /** Ends the exchange once the answer is written: later upstream callbacks are ignored. */
  private finish(): void {
    if (this.state === FINISHED) return;
    this.state = FINISHED;
    this.stopTimer();
    complete(this.ctx, this.services);
  }
}

function send(ctx: RequestContext, route: CompiledRoute, status: number, out: unknown[], body: Buffer): void {
  out.push('content-length', body.length);
  decorate(ctx, route, out);
  ctx.responseBytes = body.length;
  ctx.res.writeHead(status, out as string[]);
  ctx.res.end(body);
}

/**
 * Security headers, policy headers and the request id on every forwarded response. `out` holds
 * no header of the same names (downstreamResponseHeaders leaves them out), so nothing is sent twice.
 */
function decorate(ctx: RequestContext, route: CompiledRoute, out: unknown[]): void {
  const api = route.api;
  const security = api.securityHeaderList;
  for (let i = 0; i < security.length; i++) out.push(security[i]);
  if (ctx.secure && api.hsts !== undefined) out.push('strict-transport-security', api.hsts);
  if (noStore(ctx)) out.push('cache-control', 'no-store');
  // The CORS headers depend on the Origin sent: caches keep one copy per origin (beside the upstream's own Vary).
  if (api.cors !== undefined) out.push('vary', 'Origin');
  const extra = ctx.responseHeaders;
  if (extra !== undefined) for (const name in extra) out.push(name, extra[name]);
  out.push('x-request-id', ctx.id);
}

/** Authenticated answers must not be stored by shared caches (OWASP API8). */
function noStore(ctx: RequestContext): boolean {
  return ctx.identity !== undefined && ctx.identity.kind !== 'anonymous';
}

function withoutBodyHeaders(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name === 'content-length' || name === 'content-type' || name === 'transfer-encoding') continue;
    out.push(name, headers[i + 1] as string);
  }
  return out;
}

function originOf(location: string, base: string): string {
  try {
    return new URL(location, base).origin;
  } catch {
    return '(unreadable)';
  }
}

function headerString(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? (value[0] ?? '') : value;
}
