import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GatehouseConfig, LimitsConfig } from '../config/types.js';
import { answerClientError } from './smuggling.js';

/** Applies the accept-phase limits Node enforces itself: header size and timeouts (slowloris). */
export function applyLimits(server: Server, limits: LimitsConfig): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // One more than the limit: Node silently drops headers past maxHeadersCount, so we let it keep
  // one extra and refuse the request ourselves rather than forward a truncated header set.
  server.maxHeadersCount = limits.maxHeaderCount + 1;
  // Requests the parser refuses (smuggling attempts, bad framing, slowloris timeouts) get a
  // problem+json answer instead of Node's empty 400.
  server.on('clientError', answerClientError);
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

/** Re-reads the listener's certificate, key and client CA: rotation without a restart. */
export function reloadTlsFiles(server: Server, config: GatehouseConfig): void {
  const https = config.listen.https;
  if (https === undefined || !('setSecureContext' in server)) return;
  (server as unknown as { setSecureContext(options: object): void }).setSecureContext({
    cert: readFileSync(https.cert),
    key: readFileSync(https.key),
    ...(https.clientCa === undefined ? {} : { ca: readFileSync(https.clientCa) }),
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  });
}

export function createHttpListener(config: GatehouseConfig, handler: RequestListener): Server {
  const server = createHttpServer({ maxHeaderSize: config.limits.maxHeaderBytes, requireHostHeader: true, connectionsCheckingInterval: checkingInterval(config.limits) }, handler);
  applyLimits(server, config.limits);
  return server;
}

export function createHttpsListener(config: GatehouseConfig, handler: RequestListener): Server | undefined {
  const https = config.listen.https;
  if (https === undefined) return undefined;
  const server = createHttpsServer({
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
  applyLimits(server, config.limits);
  return server;
}

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts the rest. */
export function drain(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) { resolve(); return; }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => { clearTimeout(timer); resolve(); });
    server.closeIdleConnections();
  });
}
