import { STATUS_CODES, type OutgoingHttpHeaders } from 'node:http';
import { problemFor, statusOf, type Denial } from '../errors/index.js';
import { BASELINE_SECURITY_HEADERS } from '../policies/security-headers/headers.js';
import { hasBody } from './body.js';
import type { RequestContext } from './context.js';

/**
 * Answers a refusal as RFC 9457 problem+json. Never includes a stack or upstream detail: only
 * the registry's safe title, the denial's safe detail and the request id.
 * `statusOverride` keeps an upstream's 5xx status when its body is withheld.
 */
export function sendDenial(ctx: RequestContext, denial: Denial, policy: string | undefined, statusOverride?: number): void {
  ctx.denial = denial;
  ctx.deniedBy = policy;
  const res = ctx.res;
  if (res.headersSent) {
    // Too late for a clean answer: cut the connection so the client sees a failure, not a truncated success.
    res.destroy();
    return;
  }
  const status = statusOverride ?? statusOf(denial.code);
  const problem = problemFor(denial, ctx.id);
  if (statusOverride !== undefined) {
    problem.status = statusOverride;
    problem.title = STATUS_CODES[statusOverride] ?? problem.title;
  }
  const body = JSON.stringify(problem);
  const headers: OutgoingHttpHeaders = {
    ...(ctx.api?.securityHeaders ?? BASELINE_SECURITY_HEADERS),
    ...ctx.responseHeaders,
    ...denial.headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-request-id': ctx.id,
  };
  if (ctx.secure && ctx.api?.hsts !== undefined) headers['strict-transport-security'] = ctx.api.hsts;
  if (ctx.api?.cors !== undefined) headers.vary = 'Origin';
  // A body not read yet is not read at all: the connection closes. A request without a body is
  // complete once its headers are (`complete` is set only after the 'request' event), so the
  // connection stays open, and a request pipelined behind it is answered in turn. Decided by
  // what the gateway did with the body, never by how far the client's bytes have arrived: a
  // refusal made at once (a cached credential) and one made after an await (a fresh
  // verification) must not differ in their headers, or the difference tells them apart.
  // HTTP/2 has no Connection header: the stream ends with the answer, the connection stays.
  if (hasBody(ctx.req) && (ctx.forwarded ? !ctx.req.complete : ctx.rawBody === undefined) && ctx.req.httpVersionMajor === 1) headers.connection = 'close';
  res.writeHead(status, headers);
  if (ctx.method === 'HEAD') {
    res.end();
    return;
  }
  ctx.responseBytes = headers['content-length'] as number;
  res.end(body);
}
