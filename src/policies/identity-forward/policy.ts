import type { Identity, RequestContext } from '../../gateway/context.js';
import { ExpiringLru } from '../../identity/lru.js';
import { identityRuntime } from '../../identity/runtime.js';
import { mintToken } from '../../identity/signing-key.js';
import type { PolicyFactory, PolicyInstance } from '../types.js';

/**
 * Tells the upstream who the verified caller is: identity headers and/or a fresh token signed
 * by the gateway's own key (short-lived, audience = the API). Client-sent copies of those
 * headers never reach the upstream, on any request, authenticated or not, with or without this
 * policy (hidden.ts): otherwise a client could send `x-gatehouse-subject: admin` to an upstream
 * that trusts the gateway.
 */
export const identityForwardPolicy: PolicyFactory = ({ scope, config, api }) => {
  const settings = api.policies.forwardIdentity;
  if (settings === undefined) return undefined;
  const rt = identityRuntime(scope, config);
  const prefix = settings.headerPrefix;
  const names = prefix === undefined ? undefined
    : { subject: `${prefix}subject`, scopes: `${prefix}scopes`, roles: `${prefix}roles`, kind: `${prefix}auth`, issuer: `${prefix}issuer` };
  const token = settings.token;
  const signing = rt.config.signing;
  if (token !== undefined && signing === undefined) {
    scope.services.logger.warn({ api: api.name }, 'forwardIdentity.token needs identity.signing; requests will fail closed');
  }
  // The ring keeps a retired key published for maxTokenLifetime only: a longer-lived token would outlive its key.
  const ttl = Math.min(token?.ttlSeconds ?? 60, Math.floor((signing?.maxTokenLifetimeMs ?? 3_600_000) / 1000));
  if (token !== undefined && ttl < token.ttlSeconds) {
    scope.services.logger.warn({ api: api.name, ttl }, 'forwardIdentity.token.ttl is longer than identity.signing.maxTokenLifetime; shortened');
  }
  // Signing per request would cost more than the rest of the pipeline: a token is reused for
  // the same credential for half its lifetime.
  const minted = scope.once(`identity-forward:${api.name}`, () => new ExpiringLru<string>(10_000));

  async function tokenFor(identity: Identity): Promise<string> {
    const key = `${identity.kind}\u0000${identity.credentialId ?? identity.subject}`;
    const hit = minted.get(key);
    if (hit !== undefined) return hit;
    const value = await mintToken(await rt.signingKey(), {
      issuer: signing?.issuer ?? 'urn:gatehouse:local',
      audience: token?.audience ?? api.name,
      subject: identity.subject,
      ttlSeconds: ttl,
      scopes: [...identity.scopes],
      roles: [...identity.roles],
      claims: { auth: identity.kind, ...(identity.issuer === undefined ? {} : { orig_iss: identity.issuer }) },
    });
    minted.set(key, value, Date.now() + (ttl * 1000) / 2);
    return value;
  }

  const instance: PolicyInstance = {
    name: 'forward-identity',
    mode: 'enforce',
    request(ctx: RequestContext) {
      const identity = ctx.identity;
      if (identity === undefined) return undefined;
      const add = (ctx.addHeaders ??= {});
      if (names !== undefined) {
        add[names.subject] = identity.subject;
        add[names.kind] = identity.kind;
        if (identity.scopes.size > 0) add[names.scopes] = [...identity.scopes].join(' ');
        if (identity.roles.size > 0) add[names.roles] = [...identity.roles].join(' ');
        if (identity.issuer !== undefined) add[names.issuer] = identity.issuer;
      }
      if (token === undefined) return undefined;
      return tokenFor(identity).then(
        (value) => { add[token.header] = value; return undefined; },
        (error: unknown) => {
          scope.services.logger.error({ reqId: ctx.id, err: (error as Error).message }, 'cannot sign the forwarded identity token');
          return { code: 'GH_DEPENDENCY_UNAVAILABLE' as const, detail: 'the gateway cannot sign the identity for the upstream' };
        },
      );
    },
  };
  return instance;
};
