/**
 * A stand-in for HashiCorp Vault, serving the few endpoints Gatehouse uses: AppRole login and
 * KV v2 reads. A real Vault server cannot run here (it is not in the package registries this
 * machine reaches), so this is a faithful peer for the client: same paths, headers, status
 * codes and JSON shapes as Vault's HTTP API documentation gives (/v1/auth/approle/login,
 * /v1/<mount>/data/<path>, 403 with {"errors":["permission denied"]}, 404 with {"errors":[]}).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface VaultStandIn {
  readonly address: string;
  readonly rootToken: string;
  readonly roleId: string;
  readonly secretId: string;
  /** mount -> path -> fields */
  readonly kv: Map<string, Map<string, Record<string, string>>>;
  readonly tokens: Set<string>;
  logins: number;
  reads: number;
  close(): Promise<void>;
}

export async function startVault(): Promise<VaultStandIn> {
  const state = {
    rootToken: `hvs.${randomBytes(12).toString('base64url')}`,
    roleId: 'role-1234',
    secretId: `sid-${randomBytes(8).toString('hex')}`,
    kv: new Map<string, Map<string, Record<string, string>>>(),
    tokens: new Set<string>(),
    logins: 0,
    reads: 0,
  };
  state.tokens.add(state.rootToken);
  const server: Server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://vault');
      if (req.method === 'POST' && url.pathname === '/v1/auth/approle/login') {
        const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { role_id?: string; secret_id?: string };
        if (body.role_id !== state.roleId || body.secret_id !== state.secretId) return send(400, { errors: ['invalid role or secret ID'] });
        state.logins++;
        const token = `hvs.${randomBytes(12).toString('base64url')}`;
        state.tokens.add(token);
        return send(200, { auth: { client_token: token, accessor: 'acc', policies: ['default'], lease_duration: 3600, renewable: true } });
      }
      const m = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(url.pathname);
      if (req.method === 'GET' && m !== null) {
        if (!state.tokens.has(String(req.headers['x-vault-token'] ?? ''))) return send(403, { errors: ['permission denied'] });
        state.reads++;
        const data = state.kv.get(m[1] as string)?.get(decodeURIComponent(m[2] as string));
        if (data === undefined) return send(404, { errors: [] });
        return send(200, { request_id: 'r', lease_duration: 0, data: { data, metadata: { version: 1, created_time: new Date().toISOString() } } });
      }
      return send(404, { errors: [] });
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { address, close: () => new Promise<void>((ok) => server.close(() => ok())) });
}
