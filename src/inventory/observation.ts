import type { RequestContext } from '../gateway/context.js';
import type { BodyShape } from './shape.js';

/**
 * What the gateway remembers about one request: metadata only, never a body, header value,
 * query value or credential. One fixed shape, built in a few field copies on the request path;
 * everything else (templating, aggregation, detection) happens later, in batches.
 */
export interface Observation {
  readonly ts: number;
  readonly requestId: string;
  readonly api: string;
  /** Operation id when matched; undefined for shadow traffic. */
  readonly operation: string | undefined;
  readonly deprecated: boolean;
  readonly method: string;
  /** The spec's path template when matched; the raw path (no query) when not. */
  readonly path: string;
  readonly unmatched: boolean;
  readonly status: number;
  /** `jwt`, `api-key`, `mtls`, `introspection` or `anonymous`. */
  readonly identityClass: string;
  /** The caller as detectors key it: `sub:<subject>` once authenticated, else `ip:<address>`. */
  readonly caller: string;
  readonly ip: string;
  readonly subject: string | undefined;
  readonly credentialId: string | undefined;
  /** The token's `jti` and `exp` (seconds), so a revocation can last exactly as long as the token. */
  readonly jti: string | undefined;
  readonly exp: number | undefined;
  readonly requestBytes: number;
  readonly responseBytes: number;
  readonly latencyMs: number;
  /** The refusal code when the gateway refused (enforce or monitor mode). */
  readonly code: string | undefined;
  /** Path parameter values joined, for enumeration detection; never stored. */
  readonly objectKey: string | undefined;
  readonly requestShape: BodyShape | undefined;
  readonly responseShape: BodyShape | undefined;
}

export function observe(ctx: RequestContext, now: number, shapes: { request?: BodyShape; response?: BodyShape } | undefined): Observation {
  const route = ctx.route;
  const operation = route?.operation;
  const identity = ctx.identity;
  const authenticated = identity !== undefined && identity.kind !== 'anonymous';
  const claims = identity?.claims;
  const jti = claims?.jti;
  const exp = claims?.exp;
  let objectKey: string | undefined;
  const params = ctx.pathParams;
  if (params !== undefined) {
    for (const key in params) objectKey = objectKey === undefined ? (params[key] as string) : `${objectKey}/${params[key] as string}`;
  }
  const reqLength = ctx.req.headers['content-length'];
  const resLength = ctx.res.getHeader('content-length');
  return {
    ts: now,
    requestId: ctx.id,
    api: ctx.api?.name ?? '(none)',
    operation: operation?.id,
    deprecated: operation?.deprecated ?? false,
    method: ctx.method,
    path: operation?.path ?? ctx.path,
    unmatched: operation === undefined,
    status: ctx.status,
    identityClass: identity?.kind ?? 'anonymous',
    caller: authenticated ? `sub:${identity.subject}` : `ip:${ctx.clientIp}`,
    ip: ctx.clientIp,
    subject: authenticated ? identity.subject : undefined,
    credentialId: identity?.credentialId,
    jti: typeof jti === 'string' ? jti : undefined,
    exp: typeof exp === 'number' ? exp : undefined,
    requestBytes: reqLength === undefined ? (ctx.rawBody?.length ?? 0) : Number(reqLength) || 0,
    responseBytes: ctx.responseBytes > 0 ? ctx.responseBytes : Number(resLength ?? 0) || 0,
    latencyMs: performance.now() - ctx.startMs,
    code: ctx.denial?.code ?? ctx.monitored?.[0]?.denial.code,
    objectKey,
    requestShape: shapes?.request,
    responseShape: shapes?.response,
  };
}
