import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Denial } from '../errors/index.js';
import type { BodyValidator, ParameterResult } from '../openapi/validator-types.js';
import type { AccessLine } from '../observe/access-log.js';
import type { RequestTrace } from '../observe/tracing.js';
import type { CompiledApi, CompiledRoute } from './runtime-types.js';
import type { Upgrade } from './websocket.js';

/** Who is calling, once a policy has established it (identity policies fill this in). */
export interface Identity {
  readonly kind: 'jwt' | 'api-key' | 'mtls' | 'introspection' | 'anonymous';
  readonly subject: string;
  readonly issuer?: string;
  readonly scopes: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  readonly claims: Readonly<Record<string, unknown>>;
  /** Stable, secret-free id of the credential (key id, token hash prefix, cert fingerprint). */
  readonly credentialId?: string;
}

/** What an identity policy refused and why, for the decision trail; kept off the client's answer. */
export interface DecisionNote {
  readonly policy: string;
  readonly rule: string;
  readonly reason: string;
  readonly code: string;
  readonly mode: 'enforce' | 'monitor';
}

/** A refusal a monitor-mode policy would have made. */
export interface MonitoredDenial {
  readonly policy: string;
  readonly denial: Denial;
}

/**
 * Per-request state with one fixed shape (every field is initialised in the constructor) so
 * V8 keeps one hidden class on the hot path.
 */
export class RequestContext {
  readonly id: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** `performance.now()` at arrival: a double, where hrtime.bigint() would allocate on every read. */
  readonly startMs: number;
  /** The socket peer, replaced in the accept phase by the address trusted proxies report (`clientIp` config). */
  clientIp: string;
  readonly secure: boolean;
  readonly method: string;
  path: string;
  rawQuery: string;
  api: CompiledApi | undefined = undefined;
  route: CompiledRoute | undefined = undefined;
  pathParams: Record<string, string> | undefined = undefined;
  query: Record<string, string | string[]> | undefined = undefined;
  cookies: Record<string, string> | undefined = undefined;
  params: ParameterResult['values'] | undefined = undefined;
  /** Parsed request body (JSON value or form fields), when a policy needed it. */
  body: unknown = undefined;
  /** Raw request body bytes, when read. */
  rawBody: Buffer | undefined = undefined;
  /** `body` and `bodyProblem` are set: the body has had its one parse (gateway/request-body.ts). */
  bodyParsed = false;
  /** Why the body could not be read unambiguously, when it could not. */
  bodyProblem: Denial | undefined = undefined;
  bodyMediaType: string | undefined = undefined;
  /** The request body's validator, chosen by content type in the request phase. */
  bodyValidator: BodyValidator | undefined = undefined;
  identity: Identity | undefined = undefined;
  /** Headers a policy adds to the upstream request. */
  addHeaders: Record<string, string> | undefined = undefined;
  /** Headers a policy adds to the client response (RateLimit, ...). */
  responseHeaders: Record<string, string> | undefined = undefined;
  monitored: MonitoredDenial[] | undefined = undefined;
  denial: Denial | undefined = undefined;
  deniedBy: string | undefined = undefined;
  status = 0;
  upstreamStatus = 0;
  upstreamMs = -1;
  responseBytes = 0;
  strippedFields = 0;
  /** Response values rewritten by masking. */
  maskedFields = 0;
  unmatched = false;
  /** Handed to the upstream exchange, which runs the observe phase when the answer is done. */
  forwarded = false;
  /** The observe phase has run (it runs once). */
  observed = false;
  /** The first identity refusal of this request (policies/authn/decisions.ts). */
  decisionNote: DecisionNote | undefined = undefined;
  /** This request's identity decision has been written to the trail (it is written once). */
  decisionRecorded = false;
  /** The access log line of the runtime that took the request (a reload may change its field names). */
  accessLine: AccessLine | undefined = undefined;
  /** A CORS preflight the gateway answered itself: not traffic of the API, so not in its inventory. */
  preflight = false;
  /** This request's spans, when tracing is configured. */
  trace: RequestTrace | undefined = undefined;
  /** A WebSocket handshake: the client's socket, once the request phase lets it through (websocket.ts). */
  upgrade: Upgrade | undefined = undefined;

  constructor(id: string, req: IncomingMessage, res: ServerResponse, secure: boolean) {
    this.id = id;
    this.req = req;
    this.res = res;
    this.startMs = performance.now();
    this.clientIp = req.socket.remoteAddress ?? '';
    this.secure = secure;
    this.method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.rawQuery = q === -1 ? '' : url.slice(q + 1);
  }

  monitor(policy: string, denial: Denial): void {
    (this.monitored ??= []).push({ policy, denial });
  }
}
