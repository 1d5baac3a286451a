import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { Server as NetServer, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { GatehouseConfig, LimitsConfig } from '../config/types.js';
import { answerClientError } from './smuggling.js';

/** The listener's `clientError` handler (cuts.ts answers, counts and logs); smuggling.ts's answer alone by default. */
export type ClientErrorHandler = (error: Error & { code?: string }, socket: Duplex) => void;

/** Applies the accept-phase limits Node enforces itself: header size and timeouts (slowloris). */
export function applyLimits(server: Server, limits: LimitsConfig, onClientError: ClientErrorHandler = answerClientError): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // One more than the limit: Node silently drops headers past maxHeadersCount, so we let it keep
  // one extra and refuse the request ourselves rather than forward a truncated header set.
  server.maxHeadersCount = limits.maxHeaderCount + 1;
  // Requests the parser refuses (smuggling attempts, bad framing, slowloris timeouts) get a
  // problem+json answer instead of Node's empty 400.
  server.on('clientError', onClientError);
}

/**
 * How often Node checks header and request timeouts. Its default (30 s) would let a slowloris
 * client hold a connection far past `headersTimeout`; check a few times per timeout instead.
 */
export function checkingInterval(limits: LimitsConfig): number {
  return Math.max(100, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs || Infinity) / 4)));
}

export const TLS12_CIPHERS = [
  'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/**
 * Re-reads the listener's certificate, key and client CA (rotation without a restart): reads and
 * checks them now, and returns what puts them in service, so that a reload can refuse bad files
 * before anything switches (workers switch all together or not at all).
 */
export function prepareTlsFiles(server: Server, config: GatehouseConfig): () => void {
  const https = config.listen.https;
  if (https === undefined || !('setSecureContext' in server)) return () => undefined;
  const options = {
    cert: readFileSync(https.cert),
    key: readFileSync(https.key),
    ...(https.clientCa === undefined ? {} : { ca: readFileSync(https.clientCa) }),
    minVersion: 'TLSv1.2' as const,
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  };
  // Throws on a key that does not match its certificate, as setSecureContext would.
  createSecureContext(options);
  return () => (server as unknown as { setSecureContext(o: object): void }).setSecureContext(options);
}

export function createHttpListener(config: GatehouseConfig, handler: RequestListener, onClientError: ClientErrorHandler = answerClientError): Server {
  const server = createHttpServer({ maxHeaderSize: config.limits.maxHeaderBytes, requireHostHeader: true, connectionsCheckingInterval: checkingInterval(config.limits) }, handler);
  applyLimits(server, config.limits, onClientError);
  return server;
}

/**
 * The TLS listener. With `http2` on, ALPN offers `h2` before `http/1.1` and each connection that
 * chose `h2` is handed to `h2Sessions` (http2.ts); every other connection is served by this https
 * server exactly as without HTTP/2.
 */
export function createHttpsListener(config: GatehouseConfig, handler: RequestListener, onClientError: ClientErrorHandler = answerClientError, h2Sessions?: NetServer): Server | undefined {
  const https = config.listen.https;
  if (https === undefined) return undefined;
  const server = createHttpsServer({
    ...(h2Sessions === undefined ? {} : { ALPNProtocols: ['h2', 'http/1.1'] }),
    cert: readFileSync(https.cert),
    key: readFileSync(https.key),
    ...(https.clientCa === undefined ? {} : { ca: readFileSync(https.clientCa) }),
    requestCert: https.requestClientCert,
    // The handshake itself refuses certificates from other CAs when a client CA is configured.
    rejectUnauthorized: https.clientCa !== undefined,
    minVersion: 'TLSv1.2',
    // TLS 1.2 limited to forward-secret AEAD suites; TLS 1.3 suites are all strong and preferred.
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
    maxHeaderSize: config.limits.maxHeaderBytes,
    requireHostHeader: true,
    connectionsCheckingInterval: checkingInterval(config.limits),
  }, handler);
  applyLimits(server, config.limits, onClientError);
  if (h2Sessions !== undefined) routeByAlpn(server, h2Sessions);
  return server;
}

/**
 * Puts an ALPN switch in front of the https server's own connection handler: `h2` connections go
 * to the HTTP/2 session factory, the rest to HTTP/1.1 as before.
 */
function routeByAlpn(server: Server, h2Sessions: NetServer): void {
  const http1 = server.listeners('secureConnection') as ((socket: TLSSocket) => void)[];
  server.removeAllListeners('secureConnection');
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') {
      h2Sessions.emit('secureConnection', socket);
      return;
    }
    for (const listener of http1) listener.call(server, socket);
  });
}

export function listen(server: NetServer, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Keeps the listener's open connections, so that a drain can tell the responses already under
 * way to close their connection too (requests arriving later are told by the handler). Costs a
 * set insertion per connection, not per request.
 */
export function trackConnections(server: Server): () => void {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return () => {
    for (const socket of sockets) {
      // The answer this connection is working on, if any (Node's own link from socket to response).
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (res !== null && res !== undefined && !res.headersSent) res.shouldKeepAlive = false;
    }
  };
}

/**
 * Stops accepting new connections and lets the open ones finish for up to `graceMs`, then cuts
 * the rest. The caller has already made every response carry `Connection: close` (gateway.ts),
 * so a busy keep-alive connection closes cleanly after its answer; only connections idle right
 * now are closed at once, the one moment a client could race a request into a closing socket.
 *
 * `net.Server#close`, not `http.Server#close`: the latter also closes idle connections at the
 * very moment it stops listening, before in-flight answers have told their clients to go.
 */
export function drain(server: NetServer, graceMs: number, h2?: { destroy(): void }): Promise<void> {
  // The h2c listener is no http.Server: its connections are all HTTP/2 sessions, told by GOAWAY.
  const http1 = 'closeIdleConnections' in server ? server as Server : undefined;
  return new Promise((resolve) => {
    if (!server.listening) { resolve(); return; }
    const timer = setTimeout(() => {
      http1?.closeAllConnections();
      h2?.destroy();
    }, graceMs);
    timer.unref();
    NetServer.prototype.close.call(server, () => {
      clearTimeout(timer);
      // Now http.Server#close too: it stops the timer that checks header and request timeouts.
      http1?.close(() => undefined);
      resolve();
    });
    http1?.closeIdleConnections();
  });
}
