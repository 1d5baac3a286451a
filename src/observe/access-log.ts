import type { RequestContext } from '../gateway/context.js';
import { plainAddress } from '../gateway/client-ip.js';
import { maskPath } from './path-mask.js';

/**
 * Field names of the access log line: Gatehouse's own (short, flat), Elastic Common Schema
 * (nested objects, as ECS loggers write them) or OpenTelemetry semantic conventions (flat,
 * dotted attribute names). Only the access line changes; every other log line keeps its fields.
 */
export type AccessLogFormat = 'gatehouse' | 'ecs' | 'otel';

/** What one access line says, read once from the request; each format only names it. */
interface AccessFacts {
  readonly ctx: RequestContext;
  readonly status: number;
  readonly ms: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** The authenticated caller; undefined for anonymous requests and refusals before authentication. */
  readonly subject: string | undefined;
  readonly traceId: string | undefined;
}

export type AccessLine = (ctx: RequestContext, status: number, seconds: number, traceId: string | undefined) => Record<string, unknown>;

/** User agents are the caller's to write: bounded so one request cannot make a line of any length. */
const MAX_USER_AGENT = 256;

export function accessLineFor(format: AccessLogFormat): AccessLine {
  const shape = format === 'ecs' ? ecs : format === 'otel' ? otel : gatehouse;
  return (ctx, status, seconds, traceId) => {
    const identity = ctx.identity;
    return shape({
      ctx,
      status,
      ms: Math.round(seconds * 1e5) / 100,
      bytesIn: bytesIn(ctx),
      bytesOut: bytesOut(ctx),
      subject: identity === undefined || identity.kind === 'anonymous' ? undefined : identity.subject,
      traceId,
    });
  };
}

function gatehouse(f: AccessFacts): Record<string, unknown> {
  const ctx = f.ctx;
  return {
    reqId: ctx.id,
    method: ctx.method,
    // Tokens, e-mail addresses and card numbers in the path never reach the log.
    path: maskPath(ctx.path),
    api: ctx.api?.name,
    operation: ctx.route?.label,
    status: f.status,
    ms: f.ms,
    upstreamMs: upstreamMs(ctx),
    client: plainAddress(ctx.clientIp),
    subject: f.subject,
    // The credential's id (key id, token hash prefix, certificate fingerprint), never the credential.
    credentialId: ctx.identity?.credentialId,
    userAgent: userAgent(ctx),
    bytesIn: f.bytesIn,
    bytesOut: f.bytesOut,
    code: ctx.denial?.code,
    policy: ctx.deniedBy,
    stripped: ctx.strippedFields > 0 ? ctx.strippedFields : undefined,
    unmatched: ctx.unmatched || undefined,
    traceId: f.traceId,
  };
}

/** Elastic Common Schema 8.x field names; what ECS has no field for sits under `gatehouse`. */
function ecs(f: AccessFacts): Record<string, unknown> {
  const ctx = f.ctx;
  const up = upstreamMs(ctx);
  return {
    event: { kind: 'event', category: ['web'], outcome: f.status < 400 ? 'success' : 'failure', duration: Math.round(f.ms * 1e6), reason: ctx.denial?.code },
    http: {
      request: { id: ctx.id, method: ctx.method, body: { bytes: f.bytesIn } },
      response: { status_code: f.status, body: { bytes: f.bytesOut } },
    },
    url: { path: maskPath(ctx.path) },
    client: { ip: plainAddress(ctx.clientIp) },
    user: f.subject === undefined ? undefined : { id: f.subject },
    user_agent: ctx.req.headers['user-agent'] === undefined ? undefined : { original: userAgent(ctx) },
    rule: ctx.deniedBy === undefined ? undefined : { name: ctx.deniedBy },
    trace: f.traceId === undefined ? undefined : { id: f.traceId },
    gatehouse: {
      api: ctx.api?.name,
      operation: ctx.route?.label,
      credential_id: ctx.identity?.credentialId,
      upstream: up === undefined ? undefined : { duration_ms: up },
      stripped: ctx.strippedFields > 0 ? ctx.strippedFields : undefined,
      unmatched: ctx.unmatched || undefined,
    },
  };
}

/** OpenTelemetry semantic conventions (HTTP server, client, user agent, enduser); the rest under `gatehouse.`. */
function otel(f: AccessFacts): Record<string, unknown> {
  const ctx = f.ctx;
  return {
    'http.request.method': ctx.method,
    'url.path': maskPath(ctx.path),
    'http.route': ctx.route?.operation?.path,
    'http.response.status_code': f.status,
    // `http.server.request.duration` is a metric in the conventions, not an attribute.
    'gatehouse.duration_ms': f.ms,
    'http.request.body.size': f.bytesIn,
    'http.response.body.size': f.bytesOut,
    'client.address': plainAddress(ctx.clientIp),
    'user_agent.original': userAgent(ctx),
    'enduser.id': f.subject,
    'error.type': ctx.denial?.code,
    trace_id: f.traceId,
    'gatehouse.request_id': ctx.id,
    'gatehouse.api': ctx.api?.name,
    'gatehouse.operation': ctx.route?.label,
    'gatehouse.credential_id': ctx.identity?.credentialId,
    'gatehouse.policy': ctx.deniedBy,
    'gatehouse.upstream.duration_ms': upstreamMs(ctx),
    'gatehouse.stripped': ctx.strippedFields > 0 ? ctx.strippedFields : undefined,
    'gatehouse.unmatched': ctx.unmatched || undefined,
  };
}

function upstreamMs(ctx: RequestContext): number | undefined {
  return ctx.upstreamMs < 0 ? undefined : Math.round(ctx.upstreamMs * 100) / 100;
}

function userAgent(ctx: RequestContext): string | undefined {
  const ua = ctx.req.headers['user-agent'];
  return ua === undefined || ua.length <= MAX_USER_AGENT ? ua : ua.slice(0, MAX_USER_AGENT);
}

/** Body bytes received: what the gateway read, else what the client declared (a streamed body). */
function bytesIn(ctx: RequestContext): number {
  if (ctx.rawBody !== undefined) return ctx.rawBody.length;
  const declared = ctx.req.headers['content-length'];
  return declared === undefined ? 0 : Number(declared) || 0;
}

/** Body bytes sent: counted by the upstream exchange or by the gateway's own answer (respond.ts). */
function bytesOut(ctx: RequestContext): number {
  return ctx.responseBytes;
}
