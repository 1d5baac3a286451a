import { createHash } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import type { Identity } from '../gateway/context.js';
import { claimAt, claimString, scopesOf, stringsOf } from './claims.js';
import type { IssuerConfig } from './identity-config.js';
import { JwksCache, JwksUnavailableError, UnknownKeyError } from './jwks.js';
import { precheckJwt } from './jwt-precheck.js';
import { ExpiringLru } from './lru.js';

/** Why a credential was refused: `code` goes to the client, `reason` only to the log and audit trail. */
export interface AuthnFailure {
  readonly ok: false;
  readonly code: 'GH_AUTHN_INVALID' | 'GH_AUTHN_TOKEN_EXPIRED' | 'GH_AUTHN_REVOKED' | 'GH_DEPENDENCY_UNAVAILABLE';
  readonly reason: string;
  /**
   * Set when the credential is valid but on the revocation list: refused even while the
   * authentication policy is only monitored (a revocation is never a dry run).
   */
  readonly revocation?: true;
}

export type AuthnResult = { readonly ok: true; readonly identity: Identity } | AuthnFailure;

interface Trusted {
  readonly config: IssuerConfig;
  readonly jwks: JwksCache;
  readonly algorithms: ReadonlySet<string>;
}

/** A verification kept for reuse; see `cached` and `current`. */
export interface Cached {
  /** The answer itself, handed out as is on every hit (it is immutable). */
  readonly result: AuthnResult;
  /** The token's exp, in ms. */
  readonly expiresAt: number;
  /** `clear()` calls before it was made: one made before a clear is never current again. */
  readonly epoch: number;
  readonly jwks: JwksCache;
  readonly generation: number;
}

export interface JwtVerifierOptions {
  readonly issuers: readonly { readonly config: IssuerConfig; readonly jwks: JwksCache }[];
  readonly cacheSize: number;
  readonly now?: () => number;
}

/**
 * Verifies JWT access tokens from several issuers. Structural refusals first (precheckJwt),
 * then the issuer is chosen by the unverified `iss` and jose verifies signature, issuer,
 * audience, exp/nbf with the issuer's skew, against that issuer's algorithm allow-list and key
 * set only. Verified tokens are cached by the whole token string until their `exp` (a token
 * is its own cache key: no parsing on a hit) and dropped when the issuer's key set changes.
 */
export class JwtVerifier {
  private readonly byIssuer = new Map<string, Trusted>();
  private readonly cache: ExpiringLru<Cached>;
  private readonly now: () => number;
  private epoch = 0;

  constructor(options: JwtVerifierOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new ExpiringLru(options.cacheSize, this.now);
    for (const { config, jwks } of options.issuers) {
      this.byIssuer.set(config.issuer, { config, jwks, algorithms: new Set(config.algorithms) });
    }
  }

  /**
   * A cached token is answered synchronously (no promise on the request path); others are
   * verified and cached.
   */
  verify(token: string): AuthnResult | Promise<AuthnResult> {
    return this.cached(token)?.result ?? this.verifyFresh(token);
  }

  /** The cached verification of `token`, if there is one that still holds. */
  cached(token: string): Cached | undefined {
    const hit = this.cache.get(token);
    if (hit === undefined) return undefined;
    if (hit.generation === hit.jwks.generation) return hit;
    this.cache.delete(token);
    return undefined;
  }

  /**
   * The answer of a verification obtained from `cached` earlier, if it still holds: the token
   * has not expired, its issuer's key set has not changed and the cache has not been cleared
   * since. Lets a caller keep one verification per connection and skip the cache lookup.
   */
  current(entry: Cached): AuthnResult | undefined {
    if (entry.epoch !== this.epoch || entry.generation !== entry.jwks.generation || entry.expiresAt <= this.now()) return undefined;
    return entry.result;
  }

  private async verifyFresh(token: string): Promise<AuthnResult> {
    const pre = precheckJwt(token);
    if (!pre.ok) return invalid(pre.reason);
    const { claims, alg } = pre.token;
    const trusted = typeof claims.iss === 'string' ? this.byIssuer.get(claims.iss) : undefined;
    if (trusted === undefined) return invalid('issuer not trusted');
    // The allow-list is per issuer and never holds HS* or none (the config schema refuses them):
    // a token cannot pick a symmetric algorithm and have a public key used as its HMAC secret.
    if (!trusted.algorithms.has(alg)) return invalid(`alg ${alg} not allowed for this issuer`);
    const config = trusted.config;
    const generation = trusted.jwks.generation;
    const nowMs = this.now();
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, trusted.jwks.getKey, {
        issuer: config.issuer,
        audience: [...config.audiences],
        algorithms: [...config.algorithms],
        clockTolerance: Math.round(config.clockSkewMs / 1000),
        requiredClaims: ['exp', 'iat'],
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      return failureOf(error);
    }
    const exp = payload.exp as number;
    const iat = payload.iat as number;
    if (iat * 1000 > nowMs + config.clockSkewMs) return invalid('iat in the future');
    // Short-lived tokens only: a token minted to live a week is refused even while it is valid.
    if ((exp - iat) * 1000 > config.maxTokenLifetimeMs) return invalid('token lifetime longer than maxTokenLifetime');
    const identity = identityOf(payload, config, token);
    if (identity === undefined) return invalid(`no ${config.subjectClaim} claim`);
    const result: AuthnResult = { ok: true, identity };
    this.cache.set(token, { result, expiresAt: exp * 1000, epoch: this.epoch, jwks: trusted.jwks, generation }, exp * 1000);
    return result;
  }

  /** Drops every cached verification (tests, and when a revocation is announced). */
  clear(): void {
    this.epoch++;
    this.cache.clear();
  }
}

function identityOf(payload: Record<string, unknown>, config: IssuerConfig, token: string): Identity | undefined {
  const subject = claimString(payload[config.subjectClaim]);
  if (subject === undefined || subject === '') return undefined;
  return {
    kind: 'jwt',
    subject,
    issuer: config.issuer,
    scopes: scopesOf(payload),
    roles: new Set(stringsOf(claimAt(payload, config.rolesClaim))),
    claims: payload,
    credentialId: credentialIdOf(token, payload),
  };
}

/** A secret-free handle for logs and the audit trail: the `jti`, else a short hash of the token. */
export function credentialIdOf(token: string, claims: Readonly<Record<string, unknown>>): string {
  if (typeof claims.jti === 'string' && claims.jti.length <= 128) return `jti:${claims.jti}`;
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

function failureOf(error: unknown): AuthnFailure {
  if (error instanceof errors.JWTExpired) return { ok: false, code: 'GH_AUTHN_TOKEN_EXPIRED', reason: 'token expired' };
  if (error instanceof errors.JWTClaimValidationFailed) return invalid(`claim ${error.claim} check failed: ${error.reason}`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return invalid('signature verification failed');
  if (error instanceof errors.JWKSNoMatchingKey) return invalid('no key of the issuer matches the token');
  if (error instanceof errors.JWKSMultipleMatchingKeys) return invalid('token has no kid and several keys match');
  if (error instanceof UnknownKeyError) return invalid(error.message);
  if (error instanceof JwksUnavailableError) return { ok: false, code: 'GH_DEPENDENCY_UNAVAILABLE', reason: error.message };
  if (error instanceof errors.JOSEError) return invalid(`${error.code}: ${error.message}`);
  return invalid(`verification error: ${(error as Error).message}`);
}

function invalid(reason: string): AuthnFailure {
  return { ok: false, code: 'GH_AUTHN_INVALID', reason };
}
