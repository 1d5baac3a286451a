import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LimitsConfig } from '../config/types.js';
import { problemFor, type Denial } from '../errors/index.js';
import { applyLimits, checkingInterval, TLS12_CIPHERS } from '../gateway/listeners.js';
import { requestIdFor } from '../gateway/request-id.js';
import { API_BASE, sendJson, sendProblem, type AdminApi } from './api.js';
import { adminAuthenticators, authenticateAdmin, type AdminAuthenticator, type AdminPrincipal } from './auth.js';
import type { AdminConfig } from './config.js';
import { CONSOLE_BASE, type ConsoleAssets } from './console.js';

export interface AdminHandlers {
  readonly registry: Registry;
  /**
   * The `/metrics` text when it is not this process's registry alone: under workers, the sum
   * over every worker that the primary gathers (src/workers). Undefined: `registry.metrics()`.
   */
  metrics?(): Promise<string>;
  /** Ready: a compiled runtime is serving and its dependencies answer. */
  ready(): Promise<{ ok: boolean; detail?: string }>;
  /** The public keys of the gateway's signing key ring (forwarded identity tokens); undefined: none. */
  jwks?(): object | undefined | Promise<object | undefined>;
}

export interface AdminServerOptions {
  readonly admin: AdminConfig;
  /** The main listeners' limits: the admin listener is held to the same. */
  readonly limits: LimitsConfig;
  readonly logger?: Logger;
  /** Further authenticators (role-based admin tokens), tried after those `admin.auth` configures. */
  readonly authenticators?: readonly AdminAuthenticator[];
  /** The admin API and the console (issue 16); undefined: only the routes below. */
  readonly api?: AdminApiMount;
}

export interface AdminApiMount {
  readonly api: AdminApi;
  readonly console: ConsoleAssets;
  /**
   * Failed authentications to the API, counted per client address across every gateway sharing
   * the store: `check` peeks (false: refuse with 429 before trying the credentials), `failed`
   * counts one more. Guessing tokens is hopeless anyway (256 bits); this keeps a scanner from
   * using the admin API as a free oracle and makes it show in the metrics.
   */
  readonly failures: { check(ip: string): Promise<{ ok: boolean; retryAfterS: number }>; failed(ip: string): Promise<void> };
}

/** One admin route's answer; `principal` is who called (undefined on a public route or without admin.auth). */
type Handler = (req: IncomingMessage, res: ServerResponse, handlers: AdminHandlers, principal: AdminPrincipal | undefined) => Promise<void> | void;
interface Route { readonly public: boolean; readonly handle: Handler }

/**
 * The routes. `public` ones answer without authentication: probes (kubelets and load balancers
 * carry no credentials) and the signing key set (public keys, which upstreams fetch to verify
 * forwarded identity tokens). Everything else needs a principal when `admin.auth` is set.
 */
const ROUTES: Readonly<Record<string, Route>> = {
  '/healthz': { public: true, handle: (_req, res) => json(res, 200, { status: 'ok' }) },
  '/readyz': {
    public: true,
    async handle(_req, res, handlers) {
      const ready = await handlers.ready();
      json(res, ready.ok ? 200 : 503, { status: ready.ok ? 'ready' : 'not ready', ...(ready.detail === undefined ? {} : { detail: ready.detail }) });
    },
  },
  '/.well-known/jwks.json': {
    public: true,
    async handle(_req, res, handlers) {
      const keys = await handlers.jwks?.();
      if (keys === undefined) return json(res, 404, { status: 'not found' });
      const text = JSON.stringify(keys);
      // Short: a scheduled key is published 2 min before it signs, so a 60 s cache always knows it in time.
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'content-length': Buffer.byteLength(text), 'cache-control': 'public, max-age=60' });
      res.end(text);
    },
  },
  '/metrics': {
    public: false,
    async handle(_req, res, handlers) {
      const body = await (handlers.metrics?.() ?? handlers.registry.metrics());
      res.writeHead(200, { 'content-type': handlers.registry.contentType, 'cache-control': 'no-store' });
      res.end(body);
    },
  },
};

const UNAUTHORIZED: Denial = { code: 'GH_ADMIN_UNAUTHORIZED', detail: 'the admin listener needs credentials', headers: { 'www-authenticate': 'Bearer realm="gatehouse-admin"' } };
const URI_TOO_LONG: Denial = { code: 'GH_REQUEST_URI_TOO_LONG' };
const TOO_MANY_HEADERS: Denial = { code: 'GH_REQUEST_HEADERS_TOO_LARGE', detail: 'too many header fields' };

/**
 * The admin listener: `/metrics` (Prometheus), `/healthz` (the process is alive), `/readyz`
 * (it can serve traffic), `/.well-known/jwks.json` (the keys upstreams verify forwarded identity
 * tokens with). Bound to loopback by default: it is not for the public. It is held to the main
 * listeners' header, timeout and connection limits (a slowloris on the admin port must not
 * starve the probes), optionally served over TLS, and with `admin.auth` every route but the
 * public ones needs a bearer token or a verified client certificate.
 */
export function createAdminServer(handlers: AdminHandlers, options: AdminServerOptions): Server {
  const { admin, limits } = options;
  const configured = adminAuthenticators(admin.auth);
  const authenticators = [...configured, ...(options.authenticators ?? [])];
  // The listener's own routes need credentials when `admin.auth` asks for them; admin tokens
  // alone do not close /metrics to the scrapers that read it today. The API always needs them.
  const required = configured.length > 0;
  const refusals = refusalLog(options.logger);
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res, handlers, authenticators, required, limits, refusals, options.api).catch(() => {
      if (!res.headersSent) json(res, 500, { status: 'error' });
      else res.destroy();
    });
  };
  const common = { maxHeaderSize: limits.maxHeaderBytes, requireHostHeader: true, connectionsCheckingInterval: checkingInterval(limits) };
  const tls = admin.tls;
  const server = tls === undefined ? createServer(common, listener) : createHttpsServer({
    ...common,
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(admin.auth?.clientCa === undefined ? {} : {
      ca: readFileSync(admin.auth.clientCa),
      // Asked for, not required: probes connect without one; a route needing auth checks `authorized`.
      requestCert: true,
      rejectUnauthorized: false,
    }),
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  }, listener);
  applyLimits(server, limits);
  return server;
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  handlers: AdminHandlers,
  authenticators: readonly AdminAuthenticator[],
  required: boolean,
  limits: LimitsConfig,
  refusals: (req: IncomingMessage) => void,
  mount: AdminApiMount | undefined,
): Promise<void> {
  const url = req.url ?? '/';
  if (url.length > limits.maxUrlLength) return problem(req, res, URI_TOO_LONG);
  // Node keeps one header past the limit (applyLimits) so that this check can see it.
  if (req.rawHeaders.length > limits.maxHeaderCount * 2) return problem(req, res, TOO_MANY_HEADERS);
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (mount !== undefined && (path === '/admin' || path.startsWith('/admin/'))) return serveAdminApp(req, res, url, path, authenticators, refusals, mount);
  const route = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
  let principal: AdminPrincipal | undefined;
  // Everything but the public routes is refused before anything else is said about it, even
  // whether it exists.
  if (route?.public !== true && required) {
    principal = await authenticateAdmin(req, authenticators);
    if (principal === undefined) {
      refusals(req);
      return problem(req, res, UNAUTHORIZED);
    }
  }
  if (route === undefined) return json(res, 404, { status: 'not found' });
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { status: 'method not allowed' }, { allow: 'GET, HEAD' });
  return route.handle(req, res, handlers, principal);
}

/**
 * The API and the console. The API always needs a principal, with or without `admin.auth`: it
 * reads and changes what the gateway enforces. The console's files are public (they hold no
 * data; the page asks for a token and sends it as a header on every call, never as a cookie,
 * so another site cannot make a browser act with it).
 */
async function serveAdminApp(
  req: IncomingMessage, res: ServerResponse, url: string, path: string,
  authenticators: readonly AdminAuthenticator[], refusals: (req: IncomingMessage) => void, mount: AdminApiMount,
): Promise<void> {
  const requestId = requestIdFor(req.headers['x-request-id']);
  if (!path.startsWith(`${API_BASE}/`)) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { status: 'method not allowed' }, { allow: 'GET, HEAD' });
    if (path === '/admin') {
      res.writeHead(308, { location: CONSOLE_BASE, 'content-length': 0 });
      return void res.end();
    }
    return mount.console.serve(req, res, path);
  }
  // The contract is public, as the console's files are: it describes, it holds no data.
  if (path === `${API_BASE}/openapi.json` && (req.method === 'GET' || req.method === 'HEAD')) return sendJson(res, 200, mount.api.document, requestId);
  const ip = req.socket.remoteAddress ?? 'unknown';
  const allowed = await mount.failures.check(ip);
  if (!allowed.ok) return sendProblem(req, res, { code: 'GH_AUTHN_TOO_MANY_FAILURES', headers: { 'retry-after': String(allowed.retryAfterS) } }, requestId);
  const principal = await authenticateAdmin(req, authenticators);
  if (principal === undefined) {
    refusals(req);
    await mount.failures.failed(ip);
    return sendProblem(req, res, UNAUTHORIZED, requestId);
  }
  return mount.api.serve(req, res, principal, url);
}

/** Failed admin authentications, logged at most once per 10 s with a count: a flood must not flood the log. */
function refusalLog(logger: Logger | undefined): (req: IncomingMessage) => void {
  let windowStart = 0;
  let suppressed = 0;
  return (req) => {
    if (logger === undefined) return;
    const now = Date.now();
    if (now - windowStart < 10_000) {
      suppressed++;
      return;
    }
    logger.warn({ ip: req.socket.remoteAddress, path: (req.url ?? '/').split('?')[0], suppressed }, 'admin request refused: no valid credentials');
    windowStart = now;
    suppressed = 0;
  };
}

function problem(req: IncomingMessage, res: ServerResponse, denial: Denial): void {
  const doc = problemFor(denial, requestIdFor(req.headers['x-request-id']));
  const body = JSON.stringify(doc);
  res.writeHead(doc.status, {
    ...denial.headers,
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}
