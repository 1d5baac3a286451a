import { readFileSync } from 'node:fs';
import type { Duplex, Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import { Pool, type Dispatcher, type buildConnector } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import type { ErrorCode } from '../errors/index.js';
import { GrpcUpstream } from './upstream-grpc.js';

/**
 * One upstream origin behind a pooled keep-alive connection set. Timeouts: connect, time to
 * response headers, and idle time between body chunks.
 */
export class Upstream {
  readonly origin: string;
  /** The origin's host and port as a trace's client span names them, read once here. */
  readonly server: { readonly address: string; readonly port: number };
  readonly pathPrefix: string;
  readonly maxResponseBytes: number;
  private readonly pool: Pool;
  /** gRPC APIs: Node's HTTP/2 client, which keeps trailers (upstream-grpc.ts). */
  private readonly grpc: GrpcUpstream | undefined;
  private readonly headersTimeout: number;
  private readonly bodyTimeout: number;

  /**
   * `connector`: made from the TLS options (egress APIs pass one that guards the destination,
   * src/egress/connector.ts); undici's own connector when undefined. `grpc`: calls go through
   * Node's HTTP/2 client (upstream-grpc.ts).
   */
  constructor(config: UpstreamConfig, connector?: (tls: ConnectionOptions) => buildConnector.connector, grpc = false) {
    this.grpc = grpc ? new GrpcUpstream(config) : undefined;
    this.origin = config.origin;
    const url = new URL(config.origin);
    this.server = { address: url.hostname, port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
    this.pathPrefix = config.pathPrefix;
    this.maxResponseBytes = config.maxResponseBytes;
    this.headersTimeout = config.headersTimeoutMs;
    this.bodyTimeout = config.timeoutMs;
    const tls = upstreamTls(config);
    this.pool = new Pool(config.origin, {
      connections: config.connections,
      pipelining: 1,
      keepAliveTimeout: 4_000,
      // HTTP/2 upstreams: negotiated by ALPN over TLS, spoken with prior knowledge (h2c) in clear.
      ...(config.http2 ? { allowH2: true } : {}),
      // useH2c given to the connector: undici's Pool does not pass its own option on (7.30).
      connect: connector === undefined ? { timeout: config.connectTimeoutMs, ...tls, ...(config.http2 && config.origin.startsWith('http:') ? { useH2c: true } : {}) } as buildConnector.BuildOptions : connector(tls),
    });
  }

  /** Sends one request; `handler` receives the answer (see undici's DispatchHandler). */
  dispatch(method: string, path: string, headers: string[], body: Buffer | Readable | undefined, handler: Dispatcher.DispatchHandler): void {
    if (this.grpc !== undefined) {
      this.grpc.dispatch(method, this.pathPrefix === '' ? path : this.pathPrefix + path, headers, body, handler);
      return;
    }
    this.dispatchPath(method, this.pathPrefix === '' ? path : this.pathPrefix + path, headers, body, handler);
  }

  /** Sends one request to `path` as it is, without the upstream URL's path prefix (a redirect's target). */
  dispatchPath(method: string, path: string, headers: string[], body: Buffer | Readable | undefined, handler: Dispatcher.DispatchHandler): void {
    this.pool.dispatch({
      method: method as Dispatcher.HttpMethod,
      path,
      headers,
      body: body ?? null,
      headersTimeout: this.headersTimeout,
      bodyTimeout: this.bodyTimeout,
    }, handler);
  }

  /** Asks the upstream to switch to WebSocket (RFC 6455 §4.1); resolves with its 101 and the socket. */
  upgrade(path: string, headers: string[]): Promise<{ headers: Dispatcher.UpgradeData['headers']; socket: Duplex }> {
    return this.pool.upgrade({
      method: 'GET',
      path: this.pathPrefix === '' ? path : this.pathPrefix + path,
      headers,
      protocol: 'websocket',
      headersTimeout: this.headersTimeout,
    } as Dispatcher.UpgradeOptions).then((data) => ({ headers: data.headers, socket: data.socket }));
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.grpc?.close()]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.pool.destroy(), this.grpc?.destroy()]);
  }
}

/** The TLS options of an upstream, files read once at load time; reload re-reads them (certificate rotation without restart). */
function upstreamTls(config: UpstreamConfig): ConnectionOptions {
  const tls = config.tls;
  if (tls === undefined) return {};
  return {
    ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }),
    ...(tls.cert === undefined ? {} : { cert: readFileSync(tls.cert) }),
    ...(tls.key === undefined ? {} : { key: readFileSync(tls.key) }),
    ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

/** Maps an undici / socket error to the refusal a client sees; the cause goes to the log only. */
export function upstreamErrorCode(error: unknown): ErrorCode {
  const code = (error as { code?: string } | null)?.code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'ETIMEDOUT':
      return 'GH_UPSTREAM_TIMEOUT';
    case 'GH_EGRESS_DESTINATION_REFUSED':
    case 'GH_EGRESS_CERTIFICATE_REFUSED':
      return code;
    default:
      return 'GH_UPSTREAM_UNAVAILABLE';
  }
}
