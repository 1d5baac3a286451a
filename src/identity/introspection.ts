import { createHash } from 'node:crypto';
import type { Identity } from '../gateway/context.js';
import { claimAt, claimString, scopesOf, stringsOf } from './claims.js';
import type { IntrospectionConfig } from './identity-config.js';
import type { AuthnFailure, AuthnResult } from './jwt-verifier.js';
import { ExpiringLru } from './lru.js';

interface CachedAnswer {
  readonly result: AuthnResult;
  /** Until when the answer may still be used while the endpoint is down (active answers only). */
  readonly staleUntil: number;
  readonly freshUntil: number;
}

/**
 * OAuth 2.0 token introspection (RFC 7662) for opaque tokens. The gateway authenticates to the
 * endpoint as a client (§2.1 requires it: otherwise anyone could use it to probe tokens).
 * Answers are cached by a hash of the token for `cacheTtlMs`, never past the token's `exp`;
 * inactive answers are cached briefly too, so a flood of junk tokens does not become a flood of
 * introspection calls. When the endpoint is down the request fails closed (503 or 401, as
 * configured), unless an earlier active answer may still be served (`staleIfError`).
 */
export class Introspector {
  private readonly cache: ExpiringLru<CachedAnswer>;
  private readonly now: () => number;
  private readonly authHeader: string | undefined;

  constructor(private readonly config: IntrospectionConfig, options: { now?: () => number; onError?: (reason: string) => void } = {}) {
    this.now = options.now ?? Date.now;
    this.onError = options.onError;
    this.cache = new ExpiringLru(config.cacheSize, this.now);
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded before the Basic encoding.
    this.authHeader = config.clientAuth === 'basic'
      ? `Basic ${Buffer.from(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`).toString('base64')}`
      : undefined;
  }

  private readonly onError: ((reason: string) => void) | undefined;

  async verify(token: string): Promise<AuthnResult> {
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached !== undefined && cached.freshUntil > now) return cached.result;
    let answer: Record<string, unknown>;
    try {
      answer = await this.call(token);
    } catch (error) {
      this.onError?.((error as Error).message);
      if (cached !== undefined && cached.result.ok && cached.staleUntil > now) return cached.result;
      return this.config.onUnavailable === 'unavailable'
        ? { ok: false, code: 'GH_DEPENDENCY_UNAVAILABLE', reason: `introspection unavailable: ${(error as Error).message}` }
        : { ok: false, code: 'GH_AUTHN_INVALID', reason: `introspection unavailable: ${(error as Error).message}` };
    }
    const result = this.judge(answer, key, now);
    const exp = typeof answer.exp === 'number' ? answer.exp * 1000 : Infinity;
    const freshUntil = Math.min(now + (result.ok ? this.config.cacheTtlMs : Math.min(this.config.cacheTtlMs, 5_000)), exp);
    const staleUntil = result.ok ? Math.min(freshUntil + this.config.staleIfErrorMs, exp) : freshUntil;
    this.cache.set(key, { result, freshUntil, staleUntil }, Math.max(freshUntil, staleUntil));
    return result;
  }

  private judge(answer: Record<string, unknown>, key: string, now: number): AuthnResult {
    if (answer.active !== true) return invalid('introspection: token not active');
    if (typeof answer.exp === 'number' && answer.exp * 1000 <= now) return { ok: false, code: 'GH_AUTHN_TOKEN_EXPIRED', reason: 'introspection: token expired' };
    if (typeof answer.nbf === 'number' && answer.nbf * 1000 > now + 30_000) return invalid('introspection: token not yet valid');
    if (this.config.audiences.length > 0 && !stringsOf(answer.aud).some((a) => this.config.audiences.includes(a))) return invalid('introspection: wrong audience');
    const subject = claimString(answer.sub) ?? claimString(answer.client_id) ?? claimString(answer.username);
    if (subject === undefined) return invalid('introspection: no sub, client_id or username');
    const identity: Identity = {
      kind: 'introspection',
      subject,
      ...(typeof answer.iss === 'string' ? { issuer: answer.iss } : {}),
      scopes: scopesOf(answer),
      roles: new Set(stringsOf(claimAt(answer, this.config.rolesClaim))),
      claims: answer,
      credentialId: typeof answer.jti === 'string' ? `jti:${answer.jti}` : `sha256:${Buffer.from(key, 'base64url').toString('hex').slice(0, 16)}`,
    };
    return { ok: true, identity };
  }

  private async call(token: string): Promise<Record<string, unknown>> {
    const form = new URLSearchParams({ token, token_type_hint: 'access_token' });
    if (this.authHeader === undefined) {
      form.set('client_id', this.config.clientId);
      form.set('client_secret', this.config.clientSecret);
    }
    const response = await fetch(this.config.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(this.authHeader === undefined ? {} : { authorization: this.authHeader }) },
      body: form.toString(),
      signal: AbortSignal.timeout(this.config.timeoutMs),
      redirect: 'error',
    });
    // A 401 here means our client credentials are wrong: an outage of ours, not a bad token.
    if (!response.ok) throw new Error(`introspection endpoint answered ${response.status}`);
    const body = await response.json() as unknown;
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Error('introspection answer is not a JSON object');
    return body as Record<string, unknown>;
  }
}

function invalid(reason: string): AuthnFailure {
  return { ok: false, code: 'GH_AUTHN_INVALID', reason };
}
