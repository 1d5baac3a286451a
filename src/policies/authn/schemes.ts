import type { Logger } from 'pino';
import type { LoadedSpec, Operation, SecurityRequirement, SecurityScheme } from '../../openapi/types.js';
import type { IdentityRuntime } from '../../identity/runtime.js';
import { apiKeyAuthenticator, type ApiKeyLocation } from '../api-key/authenticator.js';
import { introspectionAuthenticator } from '../introspection/authenticator.js';
import { bearerAuthenticator } from '../jwt/bearer.js';
import { mtlsAuthenticator } from '../mtls/authenticator.js';
import type { Authenticator } from './types.js';
import type { ApiConfig } from '../../config/types.js';
import { DEFAULT_AUTHENTICATION, type AuthenticationConfig } from './config.js';

/** The API's authentication settings (configs built in code may omit them). */
export function authenticationOf(api: ApiConfig): AuthenticationConfig {
  return (api.policies as { authentication?: AuthenticationConfig }).authentication ?? DEFAULT_AUTHENTICATION;
}

/**
 * The mode of a policy that needs an identity: while authentication is only monitored, refusing
 * for a missing identity would enforce it anyway, so these policies are monitored too.
 */
export function identityDependentMode(api: ApiConfig, own: 'enforce' | 'monitor'): 'enforce' | 'monitor' {
  return authenticationOf(api).mode === 'monitor' ? 'monitor' : own;
}

/** Identity kinds a scheme can produce: scope requirements of a scheme apply to identities of these kinds. */
export type IdentityKind = 'jwt' | 'api-key' | 'mtls' | 'introspection';

export interface ResolvedScheme {
  readonly name: string;
  readonly authenticator: Authenticator | undefined;
  readonly kinds: readonly IdentityKind[];
}

/** One alternative of an operation's security: all its schemes must pass; `scopes` are then required. */
export interface CompiledRequirement {
  readonly schemes: readonly ResolvedScheme[];
  readonly scopes: readonly string[];
  readonly label: string;
}

const BEARER_KINDS: readonly IdentityKind[] = ['jwt', 'introspection'];

/**
 * Maps a security scheme (from the spec, or a built-in name in config) to the authenticator that
 * checks it. `http: basic`/`digest` are not supported: passwords do not belong at a gateway;
 * such a requirement never passes (fail closed) and a warning is logged at load.
 */
export function resolveScheme(name: string, spec: LoadedSpec, rt: IdentityRuntime, logger: Logger): ResolvedScheme {
  const scheme = spec.securitySchemes[name];
  const type = scheme?.type ?? name;
  if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() !== 'bearer') {
    logger.warn({ spec: spec.file, scheme: name }, `security scheme http ${scheme.scheme ?? ''} is not supported by the gateway; operations needing only it are refused`);
    return { name, authenticator: undefined, kinds: [] };
  }
  switch (type) {
    case 'http': case 'oauth2': case 'openIdConnect': case 'bearer':
      return { name, authenticator: bearerAuthenticator(rt), kinds: BEARER_KINDS };
    case 'jwt':
      return { name, authenticator: bearerAuthenticator(rt), kinds: ['jwt'] };
    case 'introspection':
      return { name, authenticator: introspectionAuthenticator(rt), kinds: ['introspection'] };
    case 'apiKey': {
      const location = apiKeyLocation(scheme, rt.config.apiKeys.header);
      if (location.in !== 'header') {
        logger.warn({ spec: spec.file, scheme: name, in: location.in }, `API keys are accepted from the ${location.in} because the spec declares it; keys in URLs and cookies leak into logs and history`);
      }
      rt.watchKeyRevocations();
      return { name, authenticator: apiKeyAuthenticator(rt, location), kinds: ['api-key'] };
    }
    case 'mutualTLS': case 'mtls':
      return { name, authenticator: mtlsAuthenticator(rt), kinds: ['mtls'] };
    default:
      logger.warn({ spec: spec.file, scheme: name }, 'unknown security scheme; requirements naming it are refused');
      return { name, authenticator: undefined, kinds: [] };
  }
}

/** Where a request carries the API key of an `apiKey` scheme (the built-in `apiKey` name: the configured header). */
export function apiKeyLocation(scheme: SecurityScheme | undefined, defaultHeader: string): ApiKeyLocation {
  if (scheme === undefined || scheme.in === 'header' || scheme.in === undefined) return { in: 'header', name: (scheme?.name ?? defaultHeader).toLowerCase() };
  return { in: scheme.in, name: scheme.name ?? 'api_key' };
}

/**
 * Where the credential of a named scheme travels, for hiding it from the upstream: a header, a
 * query parameter or a cookie. Undefined for mTLS (nothing in the request to hide) and schemes
 * the gateway does not check.
 */
export function credentialSlot(name: string, spec: LoadedSpec, defaultApiKeyHeader: string): { readonly type: 'apiKey' | 'bearer'; readonly location: ApiKeyLocation } | undefined {
  const scheme = spec.securitySchemes[name];
  const type = scheme?.type ?? name;
  if (type === 'apiKey') return { type: 'apiKey', location: apiKeyLocation(scheme, defaultApiKeyHeader) };
  if (scheme?.type === 'http' && scheme.scheme?.toLowerCase() !== 'bearer') return undefined;
  if (['http', 'oauth2', 'openIdConnect', 'bearer', 'jwt', 'introspection'].includes(type)) return { type: 'bearer', location: { in: 'header', name: 'authorization' } };
  return undefined;
}

/** The effective requirements of an operation: the spec's, else the configured fallback; [] means none. */
export function requirementsFor(operation: Operation | undefined, config: AuthenticationConfig): readonly SecurityRequirement[] {
  if (operation !== undefined && (config.public.includes(operation.id) || (operation.operationId !== undefined && config.public.includes(operation.operationId)))) return [];
  const own = operation?.security ?? [];
  if (own.length > 0) return own;
  return config.fallback.map((names) => Object.fromEntries(names.map((n) => [n, [] as string[]])));
}

export function compileRequirements(requirements: readonly SecurityRequirement[], resolve: (name: string) => ResolvedScheme): CompiledRequirement[] {
  return requirements.map((req) => {
    const names = Object.keys(req);
    const scopes = [...new Set(names.flatMap((n) => req[n] ?? []))];
    return {
      schemes: names.map(resolve),
      scopes,
      label: names.map((n) => (req[n]?.length ?? 0) > 0 ? `${n}[${(req[n] ?? []).join(' ')}]` : n).join('+') || '(none)',
    };
  });
}
