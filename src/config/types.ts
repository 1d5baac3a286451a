import type { IdentityConfig } from '../identity/identity-config.js';
import type { AuthFailureConfig } from '../policies/auth-failure/config.js';
import type { AuthenticationConfig } from '../policies/authn/config.js';
import type { ForwardIdentityConfig } from '../policies/identity-forward/config.js';
import type { ObjectAuthConfig } from '../policies/object-auth/config.js';
import type { AuthorizationConfig } from '../policies/scopes/config.js';
import type { StepUpConfig } from '../policies/step-up/config.js';
import type { CorsConfig } from '../policies/cors/config.js';
import type { ConcurrencyConfig } from '../policies/concurrency/config.js';
import type { InjectionConfig } from '../policies/injection/config.js';
import type { MaskingConfig } from '../policies/masking/config.js';
import type { RateLimitConfig } from '../policies/rate-limit/config.js';
import type { StoreConfig } from '../store/index.js';
import type { InventoryConfig } from '../inventory/config.js';
import type { MonitoringConfig } from '../anomaly/config.js';
import type { AdminConfig } from '../admin/config.js';
import type { RetentionConfig } from '../store/retention.js';
import type { EgressConfig } from '../egress/config.js';
import type { TracingConfig } from '../observe/tracing-config.js';
import type { Http2Limits, WebSocketConfig } from './protocols.js';

/** The normalised configuration: every default applied, durations in ms, sizes in bytes, paths absolute. */
export type PolicyMode = 'enforce' | 'monitor' | 'off';

export interface TlsFiles {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
}

export interface ContractPolicyConfig {
  readonly mode: PolicyMode;
  readonly unknownFields: 'reject' | 'allow';
  readonly unknownQuery: 'reject' | 'allow';
  readonly readOnly: 'reject' | 'allow';
  readonly responses: 'strip' | 'block' | 'validate' | 'off';
}

export interface UpstreamConfig {
  readonly url: string;
  readonly origin: string;
  /** Path prefix of the upstream URL, '' for none. */
  readonly pathPrefix: string;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly connections: number;
  readonly maxResponseBytes: number;
  readonly tls: (TlsFiles & { readonly serverName?: string; readonly rejectUnauthorized: boolean }) | undefined;
  /** HTTP/2 to the upstream: negotiated by ALPN over https://, prior knowledge (h2c) over http://. */
  readonly http2: boolean;
}

/** Character encodings the gateway decodes query strings and form bodies in. */
export type Charset = 'utf-8' | 'iso-8859-1' | 'windows-1252';

export interface ApiConfig {
  readonly name: string;
  readonly spec: string;
  /** ingress: callers -> our service; egress: our services -> a third-party API (docs/egress.md). */
  readonly direction: 'ingress' | 'egress';
  /** Destination guard, limits and credentials of an egress API; undefined for ingress. */
  readonly egress: EgressConfig | undefined;
  /** Overrides the spec's server base paths when set. */
  readonly basePath: string | undefined;
  readonly owner: string | undefined;
  readonly upstream: UpstreamConfig;
  readonly unmatched: 'reject' | 'passthrough';
  /** How percent-encoded bytes of query strings and form bodies are read: as the upstream reads them. */
  readonly charset: Charset;
  /** A gRPC service: HTTP/2 only, `te: trailers` forwarded, trailers passed back (docs/protocols.md). */
  readonly grpc: boolean;
  /** Operations that may be upgraded to WebSocket, and the limits on their sockets. */
  readonly websocket: WebSocketConfig | undefined;
  readonly policies: {
    readonly contract: ContractPolicyConfig;
    readonly securityHeaders: { readonly mode: 'enforce' | 'off'; readonly hsts: boolean };
    readonly masking: MaskingConfig | undefined;
    readonly rateLimit: RateLimitConfig | undefined;
    readonly concurrency: ConcurrencyConfig | undefined;
    readonly authFailures: AuthFailureConfig | undefined;
    readonly injection: InjectionConfig | undefined;
    /** Identity policies (docs/identity.md). */
    readonly authentication: AuthenticationConfig;
    readonly authorization: AuthorizationConfig | undefined;
    readonly objectAuth: ObjectAuthConfig | undefined;
    readonly stepUp: StepUpConfig | undefined;
    readonly forwardIdentity: ForwardIdentityConfig | undefined;
    /** Cross-origin requests from web pages (docs/protocols.md); undefined: the gateway answers no CORS. */
    readonly cors: CorsConfig | undefined;
  };
}

export interface LimitsConfig {
  readonly maxUrlLength: number;
  readonly maxHeaderCount: number;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  /**
   * Body size limits by media type (`application/json`, `multipart/*`), lower-case; a type not
   * listed gets `maxBodyBytes`. Empty when none is configured.
   */
  readonly maxBodyBytesByType: Readonly<Record<string, number>>;
  readonly maxJsonDepth: number;
  readonly maxJsonElements: number;
  readonly maxStringLength: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxConnections: number;
  readonly http2: Http2Limits;
}

/** Who in front of the gateway may state the client address (X-Forwarded-For). */
export interface ClientIpConfig {
  /** Number of proxies in front of the gateway; 0 when unset. */
  readonly trustedHops: number;
  /** Addresses or CIDR ranges of those proxies. */
  readonly trustedProxies: readonly string[];
}

export interface ListenerConfig {
  readonly host: string;
  readonly port: number;
}

export interface GatehouseConfig {
  /** Absolute path of the file, or a name for configs built in code. */
  readonly file: string;
  readonly version: string;
  readonly listen: {
    /** `redirectToHttps`: every request is answered 308 to the https listener (which must exist). */
    readonly http: (ListenerConfig & { readonly redirectToHttps: boolean }) | undefined;
    /** `http2`: ALPN offers h2 beside http/1.1. */
    readonly https: (ListenerConfig & { readonly cert: string; readonly key: string; readonly clientCa?: string; readonly requestClientCert: boolean; readonly http2: boolean }) | undefined;
    /** Cleartext HTTP/2 with prior knowledge (h2c), for clients behind a TLS-terminating balancer. */
    readonly h2c: ListenerConfig | undefined;
  };
  /** The admin listener: metrics, probes, the signing key set (docs/operations.md). */
  readonly admin: AdminConfig;
  /** Passed to `createStore` (src/store) as it is. */
  readonly store: StoreConfig;
  readonly limits: LimitsConfig;
  /**
   * Every secret value the config resolved through `${secret:…}`: the logger masks them wherever
   * they would appear. Never serialised.
   */
  readonly secretValues: readonly string[];
  /** Undefined: X-Forwarded-For is never trusted; the socket peer is the client. */
  readonly clientIp: ClientIpConfig | undefined;
  /** `accessFormat`: the field names of the access log line (docs/protocols.md). */
  readonly logging: { readonly level: string; readonly access: boolean; readonly accessFormat: 'gatehouse' | 'ecs' | 'otel'; readonly redact: readonly string[] };
  /** OpenTelemetry tracing over OTLP/HTTP (docs/protocols.md); undefined: off, at no cost. */
  readonly tracing: TracingConfig | undefined;
  /** Traffic inventory (metadata only); see docs/inventory.md. */
  readonly inventory: InventoryConfig;
  /** How long and how much inventory, decision trail and alerts are kept (docs/operations.md). */
  readonly retention: RetentionConfig;
  /** Graceful shutdown (docs/operations.md): readiness 503 for `drainDelayMs`, then a drain of up to `timeoutMs`. */
  readonly shutdown: { readonly drainDelayMs: number; readonly timeoutMs: number };
  /**
   * Worker processes under a supervising primary (docs/deployment.md); `auto` is normalised to the
   * cores available. Undefined: the gateway is one process, as before.
   */
  readonly workers: number | undefined;
  /** Anomaly detectors, alert sinks and automatic responses; see docs/anomaly.md. */
  readonly monitoring: MonitoringConfig;
  /** Issuers, introspection, API keys, mTLS bindings, decision trail (docs/identity.md). */
  readonly identity: IdentityConfig;
  readonly apis: readonly ApiConfig[];
}
