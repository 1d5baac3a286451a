import type { RawProblem } from '../config/problem.js';
import { parseDuration } from '../config/units.js';
import { compileClaimPath } from './claims.js';
import type { IdentityConfig, IntrospectionConfig, IssuerConfig, MtlsBinding } from './identity-config.js';
import type { JwksSource } from './jwks.js';
import { DURATION_SCHEMA } from '../config/units.js';

export type * from './identity-config.js';

/* The shape validated by IDENTITY_SCHEMA. */
type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const duration = DURATION_SCHEMA;
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const strings = { type: 'array', items: { type: 'string', minLength: 1 } };
const url = { type: 'string', pattern: '^https?://[^\\s]+$', 'x-hint': 'must be an http:// or https:// URL' };

/** Asymmetric algorithms only: HS* would make every holder of the JWKS a token issuer, `none` is no signature. */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

export const IDENTITY_SCHEMA = closed({
  realm: { type: 'string', pattern: '^[^"\\\\]*$', 'x-hint': 'must not contain quotes or backslashes' },
  issuers: {
    type: 'array',
    items: closed({
      issuer: { type: 'string', minLength: 1 },
      audience: { oneOf: [{ type: 'string', minLength: 1 }, { ...strings, minItems: 1 }], 'x-hint': 'must be a string or a list of strings' },
      jwks: { type: 'string', pattern: '^(https?://|file:)', 'x-hint': 'must be an https:// URL or file:path/to/jwks.json (omit it to use OIDC discovery)' },
      algorithms: { type: 'array', minItems: 1, items: { enum: JWT_ALGORITHMS, 'x-hint': `must be one of ${JWT_ALGORITHMS.join(', ')} (HS* and none are never accepted)` } },
      maxTokenLifetime: duration,
      clockSkew: duration,
      rolesClaim: { type: 'string', minLength: 1 },
      subjectClaim: { type: 'string', minLength: 1 },
    }, ['issuer', 'audience']),
  },
  jwksCooldown: duration,
  jwksMaxAge: duration,
  jwksTimeout: duration,
  tokenCacheSize: { type: 'integer', minimum: 0, maximum: 1_000_000 },
  introspection: closed({
    endpoint: url,
    clientId: { type: 'string', minLength: 1 },
    clientSecret: { type: 'string', minLength: 1 },
    clientAuth: { enum: ['basic', 'post'] },
    cacheTtl: duration,
    cacheSize: { type: 'integer', minimum: 0 },
    timeout: duration,
    onUnavailable: { enum: ['unavailable', 'unauthorized'], 'x-hint': 'must be unavailable (503) or unauthorized (401); both refuse the request' },
    staleIfError: duration,
    audience: { oneOf: [{ type: 'string', minLength: 1 }, strings] },
    rolesClaim: { type: 'string', minLength: 1 },
  }, ['endpoint', 'clientId', 'clientSecret']),
  apiKeys: closed({ header: { type: 'string', pattern: '^[A-Za-z0-9-]+$' }, cacheTtl: duration }),
  mtls: closed({
    bindings: {
      type: 'array',
      items: { ...closed({ subject: { type: 'string' }, uri: { type: 'string' }, fingerprint: { type: 'string', pattern: '^([0-9A-Fa-f]{2}:?){32}$' }, scopes: strings, roles: strings }), minProperties: 2, 'x-hint': 'must name a subject, uri or fingerprint and the scopes or roles it gets' },
    },
  }),
  audit: closed({ enabled: { type: 'boolean' }, stream: { type: 'string', pattern: '^[a-z0-9_.-]+$' } }),
  signing: closed({ key: { type: 'string', minLength: 1 }, issuer: { type: 'string', minLength: 1 }, audience: { type: 'string', minLength: 1 }, rotateEvery: duration, maxTokenLifetime: duration }, ['key']),
});

export const DEFAULT_IDENTITY: IdentityConfig = {
  issuers: [],
  jwksCooldownMs: 30_000,
  jwksMaxAgeMs: 10 * 60_000,
  jwksTimeoutMs: 5_000,
  tokenCacheSize: 10_000,
  introspection: undefined,
  apiKeys: { header: 'x-api-key', cacheTtlMs: 500 },
  mtls: { bindings: [] },
  audit: { enabled: true, stream: 'identity-decisions' },
  signing: undefined,
  realm: 'gatehouse',
};

const ms = (value: string | number | undefined, fallback: number): number => value === undefined ? fallback : parseDuration(value) ?? fallback;
const list = (value: string | string[] | undefined): string[] => value === undefined ? [] : typeof value === 'string' ? [value] : value;

export function normalizeIdentity(raw: Raw | undefined, resolve: (p: string) => string, problems: RawProblem[]): IdentityConfig {
  if (raw === undefined) return DEFAULT_IDENTITY;
  const d = DEFAULT_IDENTITY;
  const issuers = ((raw.issuers ?? []) as Raw[]).map((issuer, i) => normalizeIssuer(issuer, resolve, ['identity', 'issuers', i], problems));
  const seen = new Set<string>();
  issuers.forEach((issuer, i) => {
    if (seen.has(issuer.issuer)) problems.push({ path: ['identity', 'issuers', i, 'issuer'], message: `issuer "${issuer.issuer}" is listed twice` });
    seen.add(issuer.issuer);
  });
  const intro: Raw | undefined = raw.introspection;
  if (intro !== undefined && !secureUrl(intro.endpoint as string)) {
    problems.push({ path: ['identity', 'introspection', 'endpoint'], message: 'must be https (plain http is allowed for loopback only): tokens are sent to it' });
  }
  const introspection: IntrospectionConfig | undefined = intro === undefined ? undefined : {
    endpoint: intro.endpoint,
    clientId: intro.clientId,
    clientSecret: intro.clientSecret,
    clientAuth: intro.clientAuth ?? 'basic',
    cacheTtlMs: ms(intro.cacheTtl, 60_000),
    cacheSize: intro.cacheSize ?? 10_000,
    timeoutMs: ms(intro.timeout, 3_000),
    onUnavailable: intro.onUnavailable ?? 'unavailable',
    staleIfErrorMs: ms(intro.staleIfError, 0),
    audiences: list(intro.audience),
    rolesClaim: compileClaimPath(intro.rolesClaim ?? 'roles'),
  };
  const signing: Raw | undefined = raw.signing;
  const rotateEveryMs = signing?.rotateEvery === undefined ? undefined : ms(signing.rotateEvery, 0);
  const maxTokenLifetimeMs = ms(signing?.maxTokenLifetime, 3_600_000);
  if (rotateEveryMs !== undefined && rotateEveryMs < 60_000) problems.push({ path: ['identity', 'signing', 'rotateEvery'], message: 'must be at least 1m (every rotation rewrites the key file shared by the gateways)' });
  if (signing !== undefined && maxTokenLifetimeMs < 1000) problems.push({ path: ['identity', 'signing', 'maxTokenLifetime'], message: 'must be at least 1s' });
  return {
    issuers,
    jwksCooldownMs: ms(raw.jwksCooldown, d.jwksCooldownMs),
    jwksMaxAgeMs: ms(raw.jwksMaxAge, d.jwksMaxAgeMs),
    jwksTimeoutMs: ms(raw.jwksTimeout, d.jwksTimeoutMs),
    tokenCacheSize: raw.tokenCacheSize ?? d.tokenCacheSize,
    introspection,
    apiKeys: { header: (raw.apiKeys?.header ?? d.apiKeys.header).toLowerCase(), cacheTtlMs: ms(raw.apiKeys?.cacheTtl, d.apiKeys.cacheTtlMs) },
    mtls: { bindings: ((raw.mtls?.bindings ?? []) as Raw[]).map((b): MtlsBinding => ({ ...pick(b, ['subject', 'uri']), ...(b.fingerprint === undefined ? {} : { fingerprint: normalizeFingerprint(b.fingerprint) }), scopes: b.scopes ?? [], roles: b.roles ?? [] })) },
    audit: { enabled: raw.audit?.enabled ?? d.audit.enabled, stream: raw.audit?.stream ?? d.audit.stream },
    signing: signing === undefined ? undefined : { keyFile: resolve(signing.key), issuer: signing.issuer ?? 'urn:gatehouse:local', audience: signing.audience ?? 'gatehouse', rotateEveryMs, maxTokenLifetimeMs },
    realm: raw.realm ?? d.realm,
  };
}

function normalizeIssuer(raw: Raw, resolve: (p: string) => string, at: (string | number)[], problems: RawProblem[]): IssuerConfig {
  const jwks = raw.jwks as string | undefined;
  let source: JwksSource;
  if (jwks === undefined) {
    if (!/^https?:\/\//.test(raw.issuer)) problems.push({ path: [...at, 'jwks'], message: 'is required when the issuer is not a URL (OIDC discovery needs one)' });
    source = { kind: 'discovery', issuer: raw.issuer };
  } else if (jwks.startsWith('file:')) {
    source = { kind: 'file', path: resolve(jwks.slice('file:'.length)) };
  } else {
    source = { kind: 'url', url: jwks };
  }
  const remote = source.kind === 'url' ? source.url : source.kind === 'discovery' ? raw.issuer as string : undefined;
  if (remote !== undefined && !secureUrl(remote)) {
    problems.push({ path: [...at, source.kind === 'url' ? 'jwks' : 'issuer'], message: `keys must be fetched over https (plain http is allowed for loopback only): ${remote}` });
  }
  return {
    issuer: raw.issuer,
    audiences: list(raw.audience),
    jwks: source,
    algorithms: raw.algorithms ?? ['ES256', 'RS256'],
    maxTokenLifetimeMs: ms(raw.maxTokenLifetime, 3_600_000),
    clockSkewMs: ms(raw.clockSkew, 30_000),
    rolesClaim: compileClaimPath(raw.rolesClaim ?? 'roles'),
    subjectClaim: raw.subjectClaim ?? 'sub',
  };
}

/**
 * Keys fetched over plain HTTP could be swapped by anyone on the path, who would then mint
 * valid tokens; tokens sent to an introspection endpoint over HTTP could be read. Loopback is
 * allowed for local IdPs and tests.
 */
function secureUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname));
}

/** Fingerprints compare as upper-case hex pairs joined by colons, as Node's `fingerprint256` prints them. */
export function normalizeFingerprint(value: string): string {
  const hex = value.replaceAll(':', '').toUpperCase();
  return hex.match(/.{2}/g)?.join(':') ?? hex;
}

function pick(raw: Raw, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (typeof raw[k] === 'string') out[k] = raw[k];
  return out;
}

/**
 * What `check-config` and the start-up log warn about the identity section. Introspection
 * without an audience accepts any active token the provider issued, whatever API it was issued
 * for: a token a user got for another service works here too (RFC 7662 §4, RFC 8707).
 */
export function identityWarnings(identity: IdentityConfig): string[] {
  const warnings: string[] = [];
  if (identity.introspection !== undefined && identity.introspection.audiences.length === 0) {
    warnings.push('identity.introspection has no audience: any active token of the provider is accepted, whatever API it was issued for; set identity.introspection.audience');
  }
  return warnings;
}
