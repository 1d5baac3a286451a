import type { RequestContext } from '../gateway/context.js';
import type { CompiledRoute } from '../gateway/runtime-types.js';
import { rowKey } from './aggregate.js';
import type { BodyShape } from './shape.js';

/**
 * What the gateway remembers about one request: metadata only, never a body, header value,
 * query value or credential. One fixed shape; consumers copy what they keep, so the gateway
 * fills one reused slot per request instead of allocating an observation each time.
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
  /** `<api> <operation id>`, made once per route: detectors key their windows by it. */
  readonly operationKey?: string | undefined;
  /** The inventory row key (aggregate.ts rowKey), made once per route for matched traffic. */
  readonly rowKey?: string | undefined;
}

/**
 * A mutable observation, filled per request by `observe` and read synchronously by the recorder
 * and the detectors, which copy what they keep (strings and numbers, never the slot).
 */
export class ObservationSlot implements Observation {
  ts = 0;
  requestId = '';
  api = '';
  operation: string | undefined = undefined;
  deprecated = false;
  method = '';
  path = '';
  unmatched = false;
  status = 0;
  identityClass = 'anonymous';
  caller = '';
  ip = '';
  subject: string | undefined = undefined;
  credentialId: string | undefined = undefined;
  jti: string | undefined = undefined;
  exp: number | undefined = undefined;
  requestBytes = 0;
  responseBytes = 0;
  latencyMs = 0;
  code: string | undefined = undefined;
  objectKey: string | undefined = undefined;
  requestShape: BodyShape | undefined = undefined;
  responseShape: BodyShape | undefined = undefined;
  operationKey: string | undefined = undefined;
  rowKey: string | undefined = undefined;
}

interface RouteKeys { readonly method: string; readonly operationKey: string; readonly rowKey: string }
const routeKeys = new WeakMap<CompiledRoute, RouteKeys>();

function keysOf(route: CompiledRoute, api: string): RouteKeys | undefined {
  const operation = route.operation;
  if (operation === undefined) return undefined;
  let keys = routeKeys.get(route);
  if (keys === undefined) {
    const method = operation.method.toUpperCase();
    keys = { method, operationKey: `${api} ${operation.id}`, rowKey: rowKey(api, method, operation.path) };
    routeKeys.set(route, keys);
  }
  return keys;
}

/**
 * Caller strings (`sub:alice`, `ip:10.0.0.7`), made once per caller rather than per request: the
 * detectors look each one up in several maps, and a string made once carries its hash along.
 * Bounded: past the limit the memo starts over, which costs only the re-made strings.
 */
const MAX_CALLERS = 10_000;
const subjectCallers = new Map<string, string>();
const ipCallers = new Map<string, string>();

function callerOf(memo: Map<string, string>, prefix: string, value: string): string {
  let caller = memo.get(value);
  if (caller === undefined) {
    if (memo.size >= MAX_CALLERS) memo.clear();
    caller = prefix + value;
    memo.set(value, caller);
  }
  return caller;
}

/** Copies what the gateway remembers of `ctx` into `into`, the caller's reused slot. */
export function observe(ctx: RequestContext, now: number, shapes: { request?: BodyShape; response?: BodyShape } | undefined, into: ObservationSlot): Observation {
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
  const api = ctx.api?.name ?? '(none)';
  const keys = route === undefined ? undefined : keysOf(route, api);
  const o = into;
  o.ts = now;
  o.requestId = ctx.id;
  o.api = api;
  o.operation = operation?.id;
  o.deprecated = operation?.deprecated ?? false;
  o.method = ctx.method;
  o.path = operation?.path ?? ctx.path;
  o.unmatched = operation === undefined;
  o.status = ctx.status;
  o.identityClass = identity?.kind ?? 'anonymous';
  o.caller = authenticated ? callerOf(subjectCallers, 'sub:', identity.subject) : callerOf(ipCallers, 'ip:', ctx.clientIp);
  o.ip = ctx.clientIp;
  o.subject = authenticated ? identity.subject : undefined;
  o.credentialId = identity?.credentialId;
  o.jti = typeof jti === 'string' ? jti : undefined;
  o.exp = typeof exp === 'number' ? exp : undefined;
  o.requestBytes = reqLength === undefined ? (ctx.rawBody?.length ?? 0) : Number(reqLength) || 0;
  o.responseBytes = ctx.responseBytes > 0 ? ctx.responseBytes : Number(ctx.res.getHeader('content-length') ?? 0) || 0;
  o.latencyMs = performance.now() - ctx.startMs;
  o.code = ctx.denial?.code ?? ctx.monitored?.[0]?.denial.code;
  o.objectKey = objectKey;
  o.requestShape = shapes?.request;
  o.responseShape = shapes?.response;
  o.operationKey = keys?.operationKey;
  o.rowKey = keys !== undefined && keys.method === ctx.method ? keys.rowKey : undefined;
  return o;
}
