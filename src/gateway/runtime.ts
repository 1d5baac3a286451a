import { compileApis } from '../config/apis.js';
import type { ApiConfig, GatehouseConfig } from '../config/types.js';
import { ConfigError } from '../errors/index.js';
import { createRouter, type CompiledContract } from '../openapi/index.js';
import type { Operation } from '../openapi/types.js';
import type { OperationValidators } from '../openapi/validator-types.js';
import { accessLineFor } from '../observe/access-log.js';
import type { Tracing } from '../observe/tracing.js';
import { POLICY_FACTORIES } from '../policies/index.js';
import { upstreamFilterFor } from '../policies/identity-forward/hidden.js';
import { compileCors, CORS_RESPONSE_HEADERS } from '../policies/cors/cors.js';
import { securityHeadersFor } from '../policies/security-headers/headers.js';
import type { PolicyInstance, RuntimeScope } from '../policies/types.js';
import type { GatewayServices } from './services.js';
import type { CompiledApi, CompiledRoute, RouteMatch, Runtime } from './runtime-types.js';
import { compileClientIp } from './client-ip.js';
import { gatewayResponseHeaderNames } from './headers.js';
import { Upstream } from './upstream.js';
import { compileEgress } from '../egress/runtime.js';

/**
 * Compiles a configuration into a runtime: specs loaded, every operation's validators and
 * policy chain built, one router over all APIs. Everything that depends only on config happens
 * here, once; the request path only runs what this returns. Fails closed: a spec or policy that
 * cannot be enforced in full (compileApis) throws a ConfigError listing every problem, so the
 * gateway does not start, and a bad reload never replaces a good runtime.
 */
export async function compileRuntime(config: GatehouseConfig, services: GatewayServices): Promise<Runtime> {
  const checked = await compileApis(config);
  if (checked.errors.length > 0) throw new ConfigError(config.file, checked.errors);
  for (const w of checked.warnings) {
    services.logger.warn({ file: w.file, line: w.line, pointer: w.path }, w.message);
  }
  const scope = createScope(services);
  const tracing = await startTracing(config, scope);
  const apis: CompiledApi[] = [];
  const entries: { basePath: string; operation: Operation; value: CompiledRoute }[] = [];
  const prefixes: { prefix: string; api: CompiledApi }[] = [];
  try {
    for (const { api: apiConfig, spec, contract } of checked.apis) {
      const api = compileApi(config, apiConfig, contract, scope, tracing);
      apis.push(api.compiled);
      // An egress API is mounted at one path: the provider's server path goes on in its place.
      const basePaths = api.compiled.egress !== undefined ? [api.compiled.egress.mount]
        : apiConfig.basePath !== undefined ? [apiConfig.basePath] : spec.basePaths.length > 0 ? spec.basePaths : [''];
      for (const basePath of basePaths) {
        prefixes.push({ prefix: basePath, api: api.compiled });
        for (const route of api.routes) entries.push({ basePath, operation: route.operation as Operation, value: route });
      }
    }
  } catch (error) {
    await Promise.all(apis.map((api) => api.upstream.destroy()));
    await scope.close();
    throw error;
  }
  // Set once the whole config compiled: a refused reload leaves the serving APIs' series as they are.
  const info = scope.services.metrics.apiInfo;
  info.reset();
  for (const api of apis) info.labels(api.name, api.config.direction).set(1);
  const router = createRouter(entries);
  // Paths differ from declared ones only in case: a case-insensitive upstream (IIS, ASP.NET, some
  // Spring setups) would serve the declared operation, so they are never passed through unmatched.
  const folded = prefixes.some(({ api }) => api.passthrough !== undefined)
    ? createRouter(entries.map((e) => ({ basePath: e.basePath.toLowerCase(), operation: { ...e.operation, path: e.operation.path.toLowerCase() }, value: true })))
    : undefined;
  // Longest base path first, so unmatched traffic is attributed to the most specific API.
  prefixes.sort((a, b) => b.prefix.length - a.prefix.length);

  const ownerOf = (path: string): CompiledApi | undefined => {
    for (const { prefix, api } of prefixes) {
      if (prefix === '' || path === prefix || path.startsWith(prefix + '/')) return api;
    }
    return undefined;
  };

  return {
    config,
    apis,
    clientIp: config.clientIp === undefined ? undefined : compileClientIp(config.clientIp),
    accessLine: accessLineFor(config.logging.accessFormat),
    tracing,
    match(method, path): RouteMatch {
      let found = router.match(method, path);
      // HEAD is GET without a body (RFC 9110 §9.3.2): a spec rarely declares it separately.
      if (method === 'HEAD' && (found === undefined || 'methodNotAllowed' in found)) {
        const get = router.match('GET', path);
        if (get !== undefined && !('methodNotAllowed' in get)) found = get;
      }
      if (found === undefined) {
        const api = ownerOf(path);
        const caseVariant = api?.passthrough !== undefined && folded !== undefined && folded.match(method, path.toLowerCase()) !== undefined;
        return { kind: 'none', api, caseVariant };
      }
      if ('methodNotAllowed' in found) return { kind: 'method', api: ownerOf(path) as CompiledApi, allowed: found.allowed };
      return { kind: 'route', route: found.value, params: found.params };
    },
    async close() {
      await Promise.all(apis.map((api) => api.upstream.close()));
      await scope.close();
    },
  };
}

/**
 * One tracer provider per runtime, flushed when the runtime is closed. The OpenTelemetry SDK is
 * loaded only when `tracing` is configured: without it, not even its modules are in the process.
 */
async function startTracing(config: GatehouseConfig, scope: RuntimeScope & { close(): Promise<void> }): Promise<Tracing | undefined> {
  const settings = config.tracing;
  if (settings === undefined) return undefined;
  const { Tracing } = await import('../observe/tracing.js');
  const tracing = new Tracing(settings, process.env.npm_package_version ?? '0.1.0', scope.services.logger);
  scope.onClose(() => tracing.close());
  return tracing;
}

function createScope(services: GatewayServices): RuntimeScope & { close(): Promise<void> } {
  const values = new Map<string, unknown>();
  const closers: (() => Promise<void> | void)[] = [];
  return {
    services,
    once<T>(key: string, make: () => T): T {
      if (!values.has(key)) values.set(key, make());
      return values.get(key) as T;
    },
    onClose(close) { closers.push(close); },
    async close() {
      const results = await Promise.allSettled(closers.splice(0).map(async (c) => c()));
      for (const r of results) if (r.status === 'rejected') services.logger.warn({ err: r.reason as unknown }, 'closing a policy resource failed');
    },
  };
}

function compileApi(config: GatehouseConfig, apiConfig: ApiConfig, contract: CompiledContract, scope: RuntimeScope, tracing: Tracing | undefined): { compiled: CompiledApi; routes: CompiledRoute[] } {
  const spec = contract.spec;
  const security = securityHeadersFor(apiConfig);
  const routes: CompiledRoute[] = [];
  const egress = apiConfig.egress === undefined ? undefined
    : compileEgress(apiConfig, apiConfig.basePath ?? apiConfig.upstream.pathPrefix, scope.services);
  const cors = compileCors(apiConfig.policies.cors);
  const reserved = gatewayResponseHeaderNames(security.headers, security.hsts !== undefined);
  const api: { -readonly [K in keyof CompiledApi]: CompiledApi[K] } = {
    config: apiConfig,
    name: apiConfig.name,
    spec,
    upstream: new Upstream(apiConfig.upstream, egress?.connector, apiConfig.grpc),
    egress,
    securityHeaders: security.headers,
    securityHeaderList: Object.entries(security.headers).flatMap(([name, value]) => [name, String(value)]),
    // Where the gateway answers CORS, an upstream's own answer (often `*`) must not override it.
    reservedResponseHeaders: cors === undefined ? reserved : new Set([...reserved, ...CORS_RESPONSE_HEADERS]),
    hsts: security.hsts,
    accessLog: config.logging.access,
    cors,
    passthrough: undefined,
  };
  for (const operation of spec.operations) {
    routes.push(compileRoute(config, api, operation, contract.validators.get(operation), scope, tracing));
  }
  if (apiConfig.unmatched === 'passthrough') api.passthrough = compileRoute(config, api, undefined, undefined, scope, tracing);
  return { compiled: api, routes };
}

function compileRoute(config: GatehouseConfig, api: CompiledApi, operation: Operation | undefined, validators: OperationValidators | undefined, scope: RuntimeScope, tracing: Tracing | undefined): CompiledRoute {
  const policies: PolicyInstance[] = [];
  for (const factory of POLICY_FACTORIES) {
    const policy = factory({ scope, config, api: api.config, spec: api.spec, operation, validators });
    if (policy !== undefined) policies.push(tracing === undefined ? policy : tracing.instrument(policy));
  }
  const label = operation?.id ?? '(unmatched)';
  return {
    api,
    operation,
    label,
    validators,
    request: policies.filter((p) => p.request !== undefined),
    requestBody: policies.filter((p) => p.requestBody !== undefined),
    responseBody: policies.filter((p) => p.responseBody !== undefined).reverse(),
    responseEnforced: policies.some((p) => p.responseBody !== undefined && p.mode === 'enforce'),
    log: policies.filter((p) => p.log !== undefined),
    needsRequestBody: policies.some((p) => p.needsRequestBody === true),
    trailingSlash: operation === undefined ? undefined : operation.path.endsWith('/'),
    semicolonsInPath: operation?.parameters.some((p) => p.in === 'path' && p.style === 'matrix') ?? false,
    bodyEnforced: policies.some((p) => p.needsRequestBody === true && p.mode === 'enforce'),
    metrics: scope.services.metrics.forRoute(api.name, label),
    upstreamFilter: upstreamFilterFor(config, api.config, api.spec, operation),
    websocket: operation !== undefined && api.config.websocket?.operations.includes(operation.id) === true ? api.config.websocket : undefined,
  };
}
