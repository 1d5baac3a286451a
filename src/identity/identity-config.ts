import type { JwksSource } from './jwks.js';

/** One trusted token issuer, normalised. */
export interface IssuerConfig {
  readonly issuer: string;
  /** The token's `aud` must contain one of these. */
  readonly audiences: readonly string[];
  readonly jwks: JwksSource;
  readonly algorithms: readonly string[];
  /** Refuse tokens whose `exp - iat` is longer: only short-lived tokens are accepted. */
  readonly maxTokenLifetimeMs: number;
  readonly clockSkewMs: number;
  readonly rolesClaim: readonly string[];
  readonly subjectClaim: string;
}

export interface IntrospectionConfig {
  readonly endpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** client_secret_basic (Authorization header) or client_secret_post (form fields). */
  readonly clientAuth: 'basic' | 'post';
  readonly cacheTtlMs: number;
  readonly cacheSize: number;
  readonly timeoutMs: number;
  /** Both fail closed: 503 (try again later) or 401 (the token is treated as invalid). */
  readonly onUnavailable: 'unavailable' | 'unauthorized';
  /** While the endpoint is down, an active answer may be used this much longer (never past `exp`). */
  readonly staleIfErrorMs: number;
  /** When set, the introspected token's `aud` must contain one of these. */
  readonly audiences: readonly string[];
  readonly rolesClaim: readonly string[];
}

export interface MtlsBinding {
  readonly subject?: string;
  readonly uri?: string;
  readonly fingerprint?: string;
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

export interface SigningConfig {
  /** A private JWK (JSON) or PKCS#8 PEM file; made on first use by `gatehouse token` when missing. */
  readonly keyFile: string;
  readonly issuer: string;
  readonly audience: string;
  /** A new key is made this often (docs/identity.md, "Key rotation"); undefined: no rotation. */
  readonly rotateEveryMs: number | undefined;
  /** The longest lifetime of a token the key signs; a retired key stays published this long (plus skew). */
  readonly maxTokenLifetimeMs: number;
}

/** The top-level `identity` section, normalised. */
export interface IdentityConfig {
  readonly issuers: readonly IssuerConfig[];
  readonly jwksCooldownMs: number;
  readonly jwksMaxAgeMs: number;
  readonly jwksTimeoutMs: number;
  readonly tokenCacheSize: number;
  readonly introspection: IntrospectionConfig | undefined;
  readonly apiKeys: { readonly header: string; readonly cacheTtlMs: number };
  readonly mtls: { readonly bindings: readonly MtlsBinding[] };
  readonly audit: { readonly enabled: boolean; readonly stream: string };
  readonly signing: SigningConfig | undefined;
  /** `realm` of WWW-Authenticate challenges. */
  readonly realm: string;
}
