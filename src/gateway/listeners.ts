import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { GatehouseConfig, LimitsConfig } from '../config/types.js';

/** Applies the accept-phase limits Node enforces itself: header size and timeouts (slowloris). */
function applyLimits(server: Server, limits: LimitsConfig): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // One more than the limit: Node silently drops headers past maxHeadersCount, so we let it keep
  // one extra and refuse the request ourselves rather than forward a truncated header set.
  server.maxHeadersCount = limits.maxHeaderCount + 1;
}

export function createHttpListener(config: GatehouseConfig, handler: RequestListener): Server {
  const server = createHttpServer({ maxHeaderSize: config.limits.maxHeaderBytes, requireHostHeader: true }, handler);
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
    maxHeaderSize: config.limits.maxHeaderBytes,
    requireHostHeader: true,
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
