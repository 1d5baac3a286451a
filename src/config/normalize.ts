import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { normalizeIdentity } from '../identity/config.js';
import { normalizeAuthFailures } from '../policies/auth-failure/config.js';
import { normalizeAuthentication } from '../policies/authn/config.js';
import { normalizeForwardIdentity } from '../policies/identity-forward/config.js';
import { normalizeObjectAuth } from '../policies/object-auth/config.js';
import { normalizeAuthorization } from '../policies/scopes/config.js';
import { normalizeStepUp } from '../policies/step-up/config.js';
import { normalizeCors } from '../policies/cors/config.js';
import { normalizeConcurrency } from '../policies/concurrency/config.js';
import { normalizeInjection } from '../policies/injection/config.js';
import { normalizeMasking } from '../policies/masking/config.js';
import { normalizeRateLimit } from '../policies/rate-limit/config.js';
import { normalizeInventory } from '../inventory/config.js';
import { normalizeMonitoring } from '../anomaly/config.js';
import { normalizeAdmin } from '../admin/config.js';
import { normalizeRetention } from '../store/retention.js';
import { normalizeEgress } from '../egress/config.js';
import { normalizeTracing } from '../observe/tracing-config.js';
import { DEFAULT_CONTRACT, DEFAULT_LIMITS, DEFAULT_UPSTREAM } from './defaults.js';
import type { StoreConfig } from '../store/index.js';
import type { ApiConfig, ClientIpConfig, GatehouseConfig, LimitsConfig, UpstreamConfig } from './types.js';
import { parseDuration, parseSize } from './units.js';
import { normalizeHttp2Limits, normalizeWebSocket } from './protocols.js';
import type { RawProblem } from './problem.js';

/* The shape validated by CONFIG_SCHEMA; fields are optional where the schema allows. */
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Applies defaults and units, resolves file paths against the config's folder, and checks the
 * rules a schema cannot express (unique names, no two APIs on one base path, a listener).
 */
export function normalizeConfig(raw: Raw, file: string, problems: RawProblem[], secretValues: readonly string[] = []): GatehouseConfig {
  const dir = path.dirname(path.resolve(file));
  const resolve = (p: string): string => path.resolve(dir, p);
  const listen: Raw = raw.listen ?? { http: {} };
  if (listen.http === undefined && listen.https === undefined && listen.h2c === undefined) {
    problems.push({ path: ['listen'], message: 'needs http or https (or both)' });
  }
  if (listen.http?.redirectToHttps === true && listen.https === undefined) {
    problems.push({ path: ['listen', 'http', 'redirectToHttps'], message: 'needs an https listener to redirect to' });
  }
  const apis = (raw.apis as Raw[]).map((api, i) => normalizeApi(api, i, resolve, problems));
  const names = new Map<string, number>();
  apis.forEach((api, i) => {
    const earlier = names.get(api.name);
    if (earlier !== undefined) problems.push({ path: ['apis', i, 'name'], message: `duplicate API name "${api.name}" (also apis[${earlier}])` });
    names.set(api.name, i);
  });
  const https = listen.https as Raw | undefined;
  const logging: Raw = raw.logging ?? {};
  const store: StoreConfig = raw.store === undefined ? { sqlite: { path: resolve('data/gatehouse.db') } }
    : raw.store.sqlite !== undefined ? { sqlite: { path: resolve(raw.store.sqlite.path as string) } }
      : raw.store as StoreConfig;
  return {
    file: path.resolve(file),
    version: String(raw.version),
    listen: {
      http: listen.http === undefined ? undefined : { host: listen.http.host ?? '0.0.0.0', port: listen.http.port ?? 8080, redirectToHttps: listen.http.redirectToHttps ?? false },
      https: https === undefined ? undefined : {
        host: https.host ?? '0.0.0.0',
        port: https.port ?? 8443,
        cert: resolve(https.cert),
        key: resolve(https.key),
        ...(https.clientCa === undefined ? {} : { clientCa: resolve(https.clientCa) }),
        requestClientCert: https.requestClientCert ?? https.clientCa !== undefined,
        http2: https.http2 ?? true,
      },
      h2c: listen.h2c === undefined ? undefined : { host: listen.h2c.host ?? '0.0.0.0', port: listen.h2c.port ?? 8081 },
    },
    admin: normalizeAdmin(raw.admin, resolve, secretValues, problems),
    store,
    limits: normalizeLimits(raw.limits ?? {}),
    clientIp: normalizeClientIp(raw.clientIp, problems),
    logging: { level: logging.level ?? 'info', access: logging.access ?? true, accessFormat: logging.accessFormat ?? 'gatehouse', redact: logging.redact ?? [] },
    secretValues: [],
    tracing: normalizeTracing(raw.tracing, problems),
    inventory: normalizeInventory(raw.inventory, problems),
    retention: normalizeRetention(raw.retention),
    shutdown: {
      drainDelayMs: durationOr(raw.shutdown?.drainDelay, 0),
      timeoutMs: durationOr(raw.shutdown?.timeout, 10_000),
    },
    workers: raw.workers === undefined ? undefined : raw.workers === 'auto' ? availableParallelism() : raw.workers as number,
    monitoring: normalizeMonitoring(raw.monitoring, problems),
    identity: normalizeIdentity(raw.identity, resolve, problems),
    apis,
  };
}

function normalizeLimits(raw: Raw): LimitsConfig {
  const d = DEFAULT_LIMITS;
  return {
    maxUrlLength: raw.maxUrlLength ?? d.maxUrlLength,
    maxHeaderCount: raw.maxHeaderCount ?? d.maxHeaderCount,
    maxHeaderBytes: sizeOr(raw.maxHeaderBytes, d.maxHeaderBytes),
    maxBodyBytes: sizeOr(raw.maxBodyBytes, d.maxBodyBytes),
    maxBodyBytesByType: Object.fromEntries(Object.entries((raw.maxBodyBytesByType ?? {}) as Raw)
      .map(([type, value]) => [type.toLowerCase(), sizeOr(value as string | number, d.maxBodyBytes)])),
    maxJsonDepth: raw.maxJsonDepth ?? d.maxJsonDepth,
    maxJsonElements: raw.maxJsonElements ?? d.maxJsonElements,
    maxStringLength: raw.maxStringLength ?? d.maxStringLength,
    headersTimeoutMs: durationOr(raw.headersTimeout, d.headersTimeoutMs),
    requestTimeoutMs: durationOr(raw.requestTimeout, d.requestTimeoutMs),
    keepAliveTimeoutMs: durationOr(raw.keepAliveTimeout, d.keepAliveTimeoutMs),
    maxConnections: raw.maxConnections ?? d.maxConnections,
    http2: normalizeHttp2Limits(raw.http2),
  };
}

function normalizeClientIp(raw: Raw | undefined, problems: RawProblem[]): ClientIpConfig | undefined {
  if (raw === undefined) return undefined;
  const proxies = (raw.trustedProxies ?? []) as string[];
  proxies.forEach((cidr, i) => {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0 || (bits !== undefined && Number(bits) > (family === 4 ? 32 : 128))) {
      problems.push({ path: ['clientIp', 'trustedProxies', i], message: `"${cidr}" is not an IP address or CIDR range` });
    }
  });
  if (raw.trustedHops !== undefined && proxies.length > 0) {
    problems.push({ path: ['clientIp'], message: 'set trustedHops or trustedProxies, not both' });
  }
  return { trustedHops: raw.trustedHops ?? 0, trustedProxies: proxies };
}

function normalizeApi(raw: Raw, index: number, resolve: (p: string) => string, problems: RawProblem[]): ApiConfig {
  const contract: Raw = raw.policies?.contract ?? {};
  const policies: Raw = raw.policies ?? {};
  const at = (name: string): (string | number)[] => ['apis', index, 'policies', name];
  const headers: Raw = raw.policies?.securityHeaders ?? {};
  const direction: ApiConfig['direction'] = raw.direction ?? 'ingress';
  if (direction === 'ingress' && raw.egress !== undefined) problems.push({ path: ['apis', index, 'egress'], message: 'applies to direction: egress only' });
  return {
    name: raw.name,
    spec: resolve(raw.spec),
    direction,
    egress: direction === 'egress' ? normalizeEgress(raw.egress, ['apis', index, 'egress'], problems) : undefined,
    basePath: raw.basePath === undefined ? undefined : trimSlash(raw.basePath),
    owner: raw.owner,
    upstream: normalizeUpstream(raw.upstream, resolve),
    unmatched: raw.unmatched ?? 'reject',
    charset: raw.charset ?? 'utf-8',
    grpc: raw.grpc ?? false,
    websocket: normalizeWebSocket(raw.websocket),
    policies: {
      contract: { ...DEFAULT_CONTRACT, ...contract },
      securityHeaders: { mode: headers.mode ?? 'enforce', hsts: headers.hsts ?? true },
      masking: raw.policies?.masking === undefined ? undefined : normalizeMasking(raw.policies.masking),
      rateLimit: policies.rateLimit === undefined ? undefined : normalizeRateLimit(policies.rateLimit, at('rateLimit'), problems),
      concurrency: policies.concurrency === undefined ? undefined : normalizeConcurrency(policies.concurrency),
      authFailures: policies.authFailures === undefined ? undefined : normalizeAuthFailures(policies.authFailures, at('authFailures'), problems),
      injection: policies.injection === undefined ? undefined : normalizeInjection(policies.injection),
      authentication: normalizeAuthentication(policies.authentication),
      authorization: normalizeAuthorization(policies.authorization),
      objectAuth: normalizeObjectAuth(policies.objectAuth, parseDuration),
      stepUp: normalizeStepUp(policies.stepUp, parseDuration),
      forwardIdentity: normalizeForwardIdentity(policies.forwardIdentity, parseDuration),
      cors: policies.cors === undefined ? undefined : normalizeCors(policies.cors as Raw, at('cors'), problems),
    },
  };
}

function normalizeUpstream(raw: Raw, resolve: (p: string) => string): UpstreamConfig {
  const url = new URL(raw.url as string);
  const tls: Raw | undefined = raw.tls;
  return {
    url: raw.url,
    origin: url.origin,
    pathPrefix: trimSlash(url.pathname),
    timeoutMs: durationOr(raw.timeout, DEFAULT_UPSTREAM.timeoutMs),
    connectTimeoutMs: durationOr(raw.connectTimeout, DEFAULT_UPSTREAM.connectTimeoutMs),
    headersTimeoutMs: durationOr(raw.headersTimeout, raw.timeout === undefined ? DEFAULT_UPSTREAM.headersTimeoutMs : durationOr(raw.timeout, DEFAULT_UPSTREAM.headersTimeoutMs)),
    connections: raw.connections ?? DEFAULT_UPSTREAM.connections,
    maxResponseBytes: sizeOr(raw.maxResponseBytes, DEFAULT_UPSTREAM.maxResponseBytes),
    tls: tls === undefined ? undefined : {
      ...(tls.cert === undefined ? {} : { cert: resolve(tls.cert) }),
      ...(tls.key === undefined ? {} : { key: resolve(tls.key) }),
      ...(tls.ca === undefined ? {} : { ca: resolve(tls.ca) }),
      ...(tls.serverName === undefined ? {} : { serverName: tls.serverName }),
      rejectUnauthorized: tls.rejectUnauthorized ?? true,
    },
    http2: raw.http2 ?? false,
  };
}

function trimSlash(p: string): string {
  return p === '/' ? '' : p.endsWith('/') ? p.slice(0, -1) : p;
}

function durationOr(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value) ?? fallback;
}

function sizeOr(value: string | number | undefined, fallback: number): number {
  return value === undefined ? fallback : parseSize(value) ?? fallback;
}
