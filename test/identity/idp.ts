import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/**
 * A real OpenID provider (the `oidc-provider` package) on a loopback port, issuing
 * client-credentials access tokens: JWTs (ES256) for resource `urn:gatehouse:orders`, opaque
 * tokens for `urn:gatehouse:opaque`, with discovery, JWKS and introspection. `restart` brings it
 * back on the same port with other keys (rotation); `stop` takes it down (outage).
 */
export interface TestIdp {
  readonly issuer: string;
  readonly port: number;
  /** A client-credentials token for `client` with these scopes. */
  token(options?: { client?: string; scope?: string; resource?: string }): Promise<string>;
  restart(keys: JWK[]): Promise<void>;
  stop(): Promise<void>;
  readonly clients: Record<string, string>;
  /** The private signing keys the IdP uses now (the first signs). */
  readonly keys: JWK[];
  /** Requests the IdP received per path (JWKS fetches, introspection calls). */
  readonly hits: Map<string, number>;
}

export const JWT_RESOURCE = 'urn:gatehouse:orders';
export const OPAQUE_RESOURCE = 'urn:gatehouse:opaque';
/** Opaque tokens of the same provider for another API (audience other-api). */
export const OTHER_OPAQUE_RESOURCE = 'urn:gatehouse:other-opaque';

export async function newSigningJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...await exportJWK(privateKey), kid, alg: 'ES256', use: 'sig' };
}

export async function startIdp(initialKeys?: JWK[]): Promise<TestIdp> {
  const clients: Record<string, string> = { alice: 'alice-secret-0123456789', admin: 'admin-secret-0123456789', gateway: 'gateway-secret-0123456789' };
  let server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const hits = new Map<string, number>();
  let keys = initialKeys ?? [await newSigningJwk('k1')];

  const attach = (s: Server): void => {
    const provider = new Provider(issuer, {
      jwks: { keys },
      clients: Object.entries(clients).map(([id, secret]) => ({
        client_id: id, client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [],
        token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256',
      })),
      clientDefaults: { id_token_signed_response_alg: 'ES256' },
      scopes: ['orders:read', 'orders:write', 'admin'],
      ttl: { ClientCredentials: 300 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true, allowedPolicy: () => true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => JWT_RESOURCE,
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx: unknown, resource: string) => ({
            scope: 'orders:read orders:write admin',
            audience: resource === OPAQUE_RESOURCE ? 'opaque-api' : resource === OTHER_OPAQUE_RESOURCE ? 'other-api' : 'orders-api',
            accessTokenTTL: 300,
            accessTokenFormat: resource === OPAQUE_RESOURCE || resource === OTHER_OPAQUE_RESOURCE ? 'opaque' : 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          }),
        },
      },
      extraTokenClaims: (_ctx: unknown, token: { clientId?: string }) => token.clientId === 'admin' ? { roles: ['admin'] } : { roles: ['user'] },
    });
    const callback = provider.callback();
    s.on('request', (req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      void callback(req, res);
    });
  };
  attach(server);

  return {
    issuer,
    port,
    clients,
    hits,
    get keys() { return keys; },
    async token(options = {}) {
      const client = options.client ?? 'alice';
      const body = new URLSearchParams({ grant_type: 'client_credentials', scope: options.scope ?? 'orders:read', resource: options.resource ?? JWT_RESOURCE });
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${client}:${clients[client] ?? ''}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body,
      });
      const json = await res.json() as { access_token?: string; error?: string; error_description?: string };
      if (json.access_token === undefined) throw new Error(`token request failed: ${json.error ?? res.status} ${json.error_description ?? ''}`);
      return json.access_token;
    },
    async restart(next) {
      await close(server);
      keys = next;
      server = createServer();
      attach(server);
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    stop: () => close(server),
  };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
