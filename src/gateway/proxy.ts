import type { OutgoingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamResponseView } from '../policies/types.js';
import { readCapped } from './body.js';
import type { RequestContext } from './context.js';
import { downstreamResponseHeaders, upstreamRequestHeaders } from './headers.js';
import { sendDenial } from './respond.js';
import type { CompiledRoute } from './runtime-types.js';
import type { GatewayServices } from './services.js';
import { upstreamErrorCode } from './upstream.js';

/** Forwards the request upstream and answers the client, filtering the response where policies ask. */
export async function proxy(ctx: RequestContext, route: CompiledRoute, body: Buffer | Readable | undefined, services: GatewayServices): Promise<void> {
  const api = route.api;
  const req = ctx.req;
  const headers = upstreamRequestHeaders(req.headers, {
    clientIp: ctx.clientIp,
    proto: ctx.secure ? 'https' : 'http',
    host: req.headers.host,
    requestId: ctx.id,
  }, ctx.dropHeaders);
  if (ctx.addHeaders !== undefined) Object.assign(headers, ctx.addHeaders);
  if (Buffer.isBuffer(body)) headers['content-length'] = String(body.length);
  // Response filtering needs a plain body; ask the upstream not to compress it.
  if (route.responseBody.length > 0) headers['accept-encoding'] = 'identity';

  const target = ctx.rawQuery === '' ? ctx.path : `${ctx.path}?${ctx.rawQuery}`;
  const started = process.hrtime.bigint();
  let response: Dispatcher.ResponseData;
  try {
    response = await api.upstream.request(ctx.method, target, headers, body);
  } catch (error) {
    const code = upstreamErrorCode(error);
    services.metrics.upstreamErrors.labels(api.name, (error as { code?: string }).code ?? 'unknown').inc();
    services.logger.warn({ reqId: ctx.id, api: api.name, err: { code: (error as { code?: string }).code, message: (error as Error).message } }, 'upstream request failed');
    sendDenial(ctx, { code }, 'proxy');
    return;
  }
  const status = response.statusCode;
  ctx.upstreamStatus = status;
  ctx.upstreamMs = Number(process.hrtime.bigint() - started) / 1e6;
  route.metrics.upstreamDuration.observe(ctx.upstreamMs / 1000);

  // A 5xx the contract does not declare may carry a stack trace or internals: withhold its body.
  if (status >= 500 && route.validators !== undefined && !route.validators.declaresStatus(status)) {
    discard(response.body);
    services.logger.warn({ reqId: ctx.id, api: api.name, status }, 'upstream error response withheld');
    sendDenial(ctx, { code: 'GH_UPSTREAM_ERROR' }, 'proxy', status);
    return;
  }

  const out = downstreamResponseHeaders(response.headers);
  decorate(ctx, route, out);
  const contentType = headerString(response.headers['content-type']);
  const view: UpstreamResponseView = { status, headers: response.headers, contentType };
  if (wantsBody(ctx, route, view)) {
    await filtered(ctx, route, view, response, out);
    return;
  }
  const cap = api.upstream.maxResponseBytes;
  const declared = headerString(response.headers['content-length']);
  if (declared !== '' && Number(declared) > cap) {
    discard(response.body);
    sendDenial(ctx, { code: 'GH_UPSTREAM_RESPONSE_TOO_LARGE' }, 'proxy');
    return;
  }
  if (declared !== '') ctx.responseBytes = Number(declared);
  ctx.res.writeHead(status, out);
  await streamBody(ctx, response, declared === '' ? cap : undefined);
}

/**
 * Copies the upstream body to the client with back-pressure. A hand-written loop rather than
 * stream.pipeline: on undici bodies pipeline costs well over half the throughput (measured with
 * `npm run bench`). A body of unknown length is counted and cut at `cap` bytes (the client then
 * sees a broken response, not a complete-looking one); a declared length was checked before the
 * headers went out and undici holds the upstream to it.
 */
async function streamBody(ctx: RequestContext, response: Dispatcher.ResponseData, cap?: number): Promise<void> {
  const res = ctx.res;
  const body = response.body;
  let seen = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      seen += chunk.length;
      if (cap !== undefined && seen > cap) throw new Error('upstream response exceeds maxResponseBytes');
      if (!res.write(chunk)) {
        await drained(res);
        if (res.destroyed) throw new Error('client went away');
      }
    }
    ctx.responseBytes = seen;
    res.end();
  } catch {
    // Client went away or upstream broke mid-body: nothing more can be sent; the log records it.
    discard(body);
    if (!res.destroyed) res.destroy();
  }
}

/** Resolves when the client can take more, or has gone away (then `res.destroyed` is true). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function wantsBody(ctx: RequestContext, route: CompiledRoute, view: UpstreamResponseView): boolean {
  if (ctx.method === 'HEAD' || view.status === 204 || view.status === 304) return false;
  for (const policy of route.responseBody) {
    if (policy.wantsResponseBody?.(ctx, view) === true) return true;
  }
  return false;
}

async function filtered(ctx: RequestContext, route: CompiledRoute, view: UpstreamResponseView, response: Dispatcher.ResponseData, out: OutgoingHttpHeaders): Promise<void> {
  const encoding = headerString(response.headers['content-encoding']);
  const enforcing = route.responseBody.some((p) => p.mode === 'enforce');
  if (encoding !== '' && encoding !== 'identity') {
    if (enforcing) {
      discard(response.body);
      return sendDenial(ctx, { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response is encoded and cannot be checked' }, 'response-contract');
    }
    ctx.res.writeHead(view.status, out);
    return streamBody(ctx, response);
  }
  const declared = headerString(response.headers['content-length']);
  const raw = await readCapped(response.body, route.api.upstream.maxResponseBytes, declared === '' ? undefined : Number(declared));
  if (raw === undefined) {
    discard(response.body);
    return sendDenial(ctx, { code: 'GH_UPSTREAM_RESPONSE_TOO_LARGE' }, 'proxy');
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch {
    if (enforcing) return sendDenial(ctx, { code: 'GH_UPSTREAM_RESPONSE_INVALID', detail: 'the upstream response is not valid JSON' }, 'response-contract');
    return send(ctx, view.status, out, raw);
  }
  for (const policy of route.responseBody) {
    const denial = policy.responseBody?.(ctx, view, value);
    if (denial === undefined) continue;
    if (policy.mode === 'enforce') return sendDenial(ctx, denial, policy.name);
    ctx.monitor(policy.name, denial);
  }
  send(ctx, view.status, out, ctx.strippedFields + ctx.maskedFields > 0 ? Buffer.from(JSON.stringify(value)) : raw);
}

function send(ctx: RequestContext, status: number, out: OutgoingHttpHeaders, body: Buffer): void {
  delete out['transfer-encoding'];
  delete out['content-encoding'];
  out['content-length'] = body.length;
  ctx.responseBytes = body.length;
  ctx.res.writeHead(status, out);
  ctx.res.end(body);
}

/** Security headers, policy headers and the request id on every forwarded response. */
function decorate(ctx: RequestContext, route: CompiledRoute, out: OutgoingHttpHeaders): void {
  const api = route.api;
  const security = api.securityHeaders;
  for (const name in security) out[name] = security[name];
  if (ctx.secure && api.hsts !== undefined) out['strict-transport-security'] = api.hsts;
  // Authenticated answers must not be stored by shared caches (OWASP API8).
  if (ctx.identity !== undefined && ctx.identity.kind !== 'anonymous') out['cache-control'] = 'no-store';
  if (ctx.responseHeaders !== undefined) Object.assign(out, ctx.responseHeaders);
  out['x-request-id'] = ctx.id;
}

/**
 * Drops an upstream body the client will not get. Destroying it makes undici emit an abort error;
 * with no listener that would be an uncaught exception, so one is attached first.
 */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', ignore);
  body.destroy();
}

function ignore(): void {
  // The upstream connection is being dropped on purpose; its error is expected.
}

function headerString(value: string | string[] | undefined): string {
  if (value === undefined) return '';
  return Array.isArray(value) ? (value[0] ?? '') : value;
}
