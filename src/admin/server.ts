import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';

export interface AdminHandlers {
  readonly registry: Registry;
  /** Ready: a compiled runtime is serving and its dependencies answer. */
  ready(): Promise<{ ok: boolean; detail?: string }>;
  /** The public keys of the gateway's signing key ring (forwarded identity tokens); undefined: none. */
  jwks?(): object | undefined | Promise<object | undefined>;
}

/**
 * The admin listener: `/metrics` (Prometheus), `/healthz` (the process is alive), `/readyz`
 * (it can serve traffic), `/.well-known/jwks.json` (the keys upstreams verify forwarded identity
 * tokens with). Bound to loopback by default: it is not for the public.
 */
export function createAdminServer(handlers: AdminHandlers): Server {
  return createServer((req, res) => {
    route(req, res, handlers).catch(() => {
      if (!res.headersSent) json(res, 500, { status: 'error' });
    });
  });
}

async function route(req: IncomingMessage, res: ServerResponse, handlers: AdminHandlers): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { status: 'method not allowed' });
  switch (path) {
    case '/metrics': {
      const body = await handlers.registry.metrics();
      res.writeHead(200, { 'content-type': handlers.registry.contentType, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    case '/healthz':
      return json(res, 200, { status: 'ok' });
    case '/readyz': {
      const ready = await handlers.ready();
      return json(res, ready.ok ? 200 : 503, { status: ready.ok ? 'ready' : 'not ready', ...(ready.detail === undefined ? {} : { detail: ready.detail }) });
    }
    case '/.well-known/jwks.json': {
      const keys = await handlers.jwks?.();
      if (keys === undefined) return json(res, 404, { status: 'not found' });
      const text = JSON.stringify(keys);
      // Short: a scheduled key is published 2 min before it signs, so a 60 s cache always knows it in time.
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'content-length': Buffer.byteLength(text), 'cache-control': 'public, max-age=60' });
      res.end(text);
      return;
    }
    default:
      return json(res, 404, { status: 'not found' });
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
