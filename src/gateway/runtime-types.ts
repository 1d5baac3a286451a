import type { OutgoingHttpHeaders } from 'node:http';
import type { ApiConfig, GatehouseConfig } from '../config/types.js';
import type { WebSocketConfig } from '../config/protocols.js';
import type { LoadedSpec, Operation } from '../openapi/types.js';
import type { OperationValidators } from '../openapi/validator-types.js';
import type { CompiledCors } from '../policies/cors/cors.js';
import type { PolicyInstance } from '../policies/types.js';
import type { AccessLine } from '../observe/access-log.js';
import type { RouteMetrics } from '../observe/metrics.js';
import type { Tracing } from '../observe/tracing.js';
import type { ClientIpResolver } from './client-ip.js';
import type { UpstreamFilter } from './headers.js';
import type { Upstream } from './upstream.js';
import type { EgressRuntime } from '../egress/runtime.js';

/** One configured API, compiled. */
export interface CompiledApi {
  readonly config: ApiConfig;
  readonly name: string;
  readonly spec: LoadedSpec;
  readonly upstream: Upstream;
  /** Set on an egress API (a third party behind the gateway): guard, credentials, redirects. */
  readonly egress: EgressRuntime | undefined;
  /** Security headers added to every response of this API, computed once. */
  readonly securityHeaders: Readonly<OutgoingHttpHeaders>;
  /** The same, as the flat name/value list forwarded responses are built from. */
  readonly securityHeaderList: readonly string[];
  /** Response header names the gateway sets itself; the upstream's copies are dropped. */
  readonly reservedResponseHeaders: ReadonlySet<string>;
  readonly hsts: string | undefined;
  readonly accessLog: boolean;
  /** The API's CORS policy; undefined: no CORS answers, and Origin plays no part. */
  readonly cors: CompiledCors | undefined;
  /** The route used for unmatched traffic when `unmatched: passthrough`. */
  readonly passthrough: CompiledRoute | undefined;
}

/** One operation (or the pass-through route of an API), with its policy chain compiled. */
export interface CompiledRoute {
  readonly api: CompiledApi;
  readonly operation: Operation | undefined;
  /** Metric label: operation id, or `(unmatched)`. */
  readonly label: string;
  readonly validators: OperationValidators | undefined;
  readonly request: readonly PolicyInstance[];
  readonly requestBody: readonly PolicyInstance[];
  /** Response-body policies, already in reverse order. */
  readonly responseBody: readonly PolicyInstance[];
  /** One of them enforces: an unreadable (encoded, not JSON) response is refused, not passed. */
  readonly responseEnforced: boolean;
  readonly log: readonly PolicyInstance[];
  readonly needsRequestBody: boolean;
  /** The declared path ends with `/`: the forwarded path is given (or relieved of) one to match; undefined: as sent. */
  readonly trailingSlash: boolean | undefined;
  /** A path parameter has matrix style, so `;` belongs in the path; elsewhere it is refused. */
  readonly semicolonsInPath: boolean;
  /** A policy in enforce mode reads the body: a body that cannot be read unambiguously is refused. */
  readonly bodyEnforced: boolean;
  readonly metrics: RouteMetrics;
  /** What of the client's request the upstream never receives (namespace headers, consumed credentials). */
  readonly upstreamFilter: UpstreamFilter;
  /** The operation may be upgraded to WebSocket, with these limits (websocket.ts). */
  readonly websocket: WebSocketConfig | undefined;
}

export interface Runtime {
  readonly config: GatehouseConfig;
  readonly apis: readonly CompiledApi[];
  /** Derives the client address from trusted proxies' X-Forwarded-For; undefined: the socket peer. */
  readonly clientIp: ClientIpResolver | undefined;
  /** Writes the access log line in the configured field names. */
  readonly accessLine: AccessLine;
  /** OpenTelemetry tracing; undefined when `tracing` is not configured. */
  readonly tracing: Tracing | undefined;
  match(method: string, path: string): RouteMatch;
  close(): Promise<void>;
}

export type RouteMatch =
  | { readonly kind: 'route'; readonly route: CompiledRoute; readonly params: Record<string, string> }
  | { readonly kind: 'method'; readonly api: CompiledApi; readonly allowed: readonly string[] }
  /** `caseVariant`: the path differs from a declared one only in letter case. */
  | { readonly kind: 'none'; readonly api: CompiledApi | undefined; readonly caseVariant: boolean };
