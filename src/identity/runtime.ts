import type { GatehouseConfig } from '../config/types.js';
import type { RuntimeScope } from '../policies/types.js';
import { ApiKeyStore } from './api-keys.js';
import { DecisionTrail } from './audit-trail.js';
import type { IdentityConfig } from './identity-config.js';
import { Introspector } from './introspection.js';
import { JwksCache } from './jwks.js';
import { JwtVerifier } from './jwt-verifier.js';
import { MtlsIdentities } from './mtls.js';
import { acquireKeyRing, type HeldKeyRing } from './keyring-registry.js';
import type { SigningKey } from './signing-key.js';
import { DEFAULT_IDENTITY, identityWarnings } from './config.js';

/** The identity machinery shared by every route of one runtime: one JWKS cache per issuer, one token cache. */
export interface IdentityRuntime {
  readonly config: IdentityConfig;
  readonly jwt: JwtVerifier | undefined;
  readonly introspection: Introspector | undefined;
  /** The key store; revocations are subscribed to on first use. */
  readonly apiKeys: ApiKeyStore;
  /** Called when a route accepts API keys: subscribes to revocations once per runtime. */
  watchKeyRevocations(): void;
  readonly mtls: MtlsIdentities;
  readonly trail: DecisionTrail | undefined;
  /** The key ring's current key (forwarded identity tokens); the ring is opened on first use. */
  signingKey(): Promise<SigningKey>;
}

/** The config's identity section; configs built in code (tests) may lack it. */
export function identityConfigOf(config: GatehouseConfig): IdentityConfig {
  return (config as { identity?: IdentityConfig }).identity ?? DEFAULT_IDENTITY;
}

export function identityRuntime(scope: RuntimeScope, config: GatehouseConfig): IdentityRuntime {
  return scope.once('identity', () => build(scope, identityConfigOf(config)));
}

function build(scope: RuntimeScope, config: IdentityConfig): IdentityRuntime {
  const logger = scope.services.logger;
  for (const warning of identityWarnings(config)) logger.warn(warning);
  const issuers = config.issuers.map((issuer) => ({
    config: issuer,
    jwks: new JwksCache(issuer.jwks, {
      cooldownMs: config.jwksCooldownMs,
      maxAgeMs: config.jwksMaxAgeMs,
      timeoutMs: config.jwksTimeoutMs,
      onError: (reason) => logger.warn({ issuer: issuer.issuer, reason }, 'issuer key set could not be refreshed'),
    }),
  }));
  // Warm the key sets so the first request does not wait for the IdP (a failure is retried on use).
  for (const { jwks } of issuers) void jwks.refresh();
  const store = scope.services.store;
  const apiKeys = new ApiKeyStore(store.kv, { cacheTtlMs: config.apiKeys.cacheTtlMs, pubsub: store.pubsub });
  let watching = false;
  let trail: DecisionTrail | undefined;
  if (config.audit.enabled) {
    const t = new DecisionTrail(store.records, config.audit.stream, (err) => logger.warn({ err }, 'decision audit trail flush failed (kept buffered)'));
    scope.onClose(() => t.close());
    trail = t;
  }
  let ring: HeldKeyRing | undefined;
  const holdRing = (): HeldKeyRing | undefined => {
    if (config.signing === undefined) return undefined;
    if (ring === undefined) {
      const held = acquireKeyRing(config.signing, (err) => logger.warn({ err, file: config.signing?.keyFile }, 'signing key rotation check failed'));
      scope.onClose(() => held.release());
      ring = held;
    }
    return ring;
  };
  // With a schedule, the ring is held from the start so its timer rotates even before the first request.
  if (config.signing?.rotateEveryMs !== undefined) holdRing();
  return {
    config,
    jwt: issuers.length === 0 ? undefined : new JwtVerifier({ issuers, cacheSize: config.tokenCacheSize }),
    introspection: config.introspection === undefined ? undefined
      : new Introspector(config.introspection, { onError: (reason) => logger.warn({ reason }, 'token introspection failed') }),
    apiKeys,
    watchKeyRevocations() {
      if (watching) return;
      watching = true;
      apiKeys.subscribe().then((unsubscribe) => scope.onClose(unsubscribe), (err: unknown) => logger.warn({ err }, 'cannot subscribe to API key revocations; revocations apply after the cache TTL'));
    },
    mtls: new MtlsIdentities(config.mtls.bindings),
    trail,
    async signingKey() {
      const held = holdRing();
      if (held === undefined) throw new Error('identity.signing is not configured');
      const keys = await held.ring();
      // A stat per minted token (forwarded tokens are cached): picks up another process's rotation at once.
      await keys.refresh();
      return keys.current();
    },
  };
}
