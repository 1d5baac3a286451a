import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AdminTokenStore } from '../admin/tokens.js';
import { auditFiles } from '../audit/index.js';
import { loadConfig } from '../config/index.js';
import { loadSigningKey, mintToken, publicJwks } from '../identity/signing-key.js';
import { Gateway } from '../gateway/gateway.js';
import { auditRecord, storeReport } from '../reports/stored.js';
import { demoFile } from './paths.js';
import { startSampleApi, type SampleApi } from './sample-api.js';

export interface DemoOptions {
  readonly port: number;
  readonly adminPort: number;
  readonly logLevel?: string;
  /** Sends a little traffic through the gateway at start, so the console's pages have something to show. */
  readonly warmUp?: boolean;
}

export interface Demo {
  readonly gateway: Gateway;
  readonly sample: SampleApi;
  readonly gatewayUrl: string;
  readonly adminUrl: string;
  /** Ready tokens from the demo issuer: user 1 (orders of user 1 only) and an admin. */
  readonly tokens: { readonly user: string; readonly admin: string };
  /** Admin tokens for the console: a viewer's (printed) and an operator's. */
  readonly consoleTokens: { readonly viewer: string; readonly operator: string };
  close(): Promise<void>;
}

/**
 * The demo's token issuer: a fresh ES256 key in a temporary folder (never committed, gone after
 * the demo), its public JWKS for the gateway, and two ready tokens.
 */
async function demoIssuer(): Promise<{ jwksFile: string; tokens: Demo['tokens']; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-demo-'));
  const key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  const jwksFile = path.join(dir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(publicJwks(key)));
  const base = { issuer: 'urn:gatehouse:demo', audience: 'shop', ttlSeconds: 3600 };
  const tokens = {
    user: await mintToken(key, { ...base, subject: '1', scopes: ['orders:read', 'orders:write'] }),
    admin: await mintToken(key, { ...base, subject: 'admin', scopes: ['orders:read', 'orders:write'], roles: ['admin'] }),
  };
  return { jwksFile, tokens, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts the sample API on a free port and the gateway in front of it, from examples/demo. */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const sample = await startSampleApi();
  const issuer = await demoIssuer();
  try {
    const config = await loadConfig(demoFile('gatehouse.yaml'), {
      env: {
        ...process.env,
        DEMO_UPSTREAM_URL: sample.url,
        GATEHOUSE_PORT: String(options.port),
        GATEHOUSE_ADMIN_PORT: String(options.adminPort),
        GATEHOUSE_LOG_LEVEL: options.logLevel ?? 'info',
        DEMO_JWKS_FILE: issuer.jwksFile,
      },
    });
    const gateway = await Gateway.start(config, { drainMs: 2_000 });
    const admin = gateway.addresses.admin;
    // The demo's store is memory: the tokens live as long as the demo does.
    const adminTokens = new AdminTokenStore(gateway.services.store.kv);
    const consoleTokens = {
      viewer: (await adminTokens.create({ role: 'viewer', name: 'demo viewer', by: 'demo' })).token,
      operator: (await adminTokens.create({ role: 'operator', name: 'demo operator', by: 'demo' })).token,
    };
    // The demo spec's audit, kept as `gatehouse audit --store` would: the Findings page shows a report.
    await storeReport(gateway.services.store.records, auditRecord(await auditFiles(config.apis.map((a) => a.spec)), path.dirname(demoFile('gatehouse.yaml'))));
    if (options.warmUp === true) await warmUp(gateway.httpUrl, issuer.tokens);
    return {
      consoleTokens,
      gateway,
      sample,
      gatewayUrl: gateway.httpUrl,
      adminUrl: admin === undefined ? '' : `http://127.0.0.1:${admin.port}`,
      tokens: issuer.tokens,
      async close() {
        await gateway.close();
        await sample.close();
        await issuer.dispose();
      },
    };
  } catch (error) {
    await sample.close();
    await issuer.dispose();
    throw error;
  }
}

/** A few requests of each kind the demo shows: allowed, refused by the contract, a shadow path, a BOLA attempt. */
async function warmUp(g: string, tokens: Demo['tokens']): Promise<void> {
  const send = (path: string, init: RequestInit = {}) => fetch(`${g}${path}`, init).then((r) => r.arrayBuffer()).catch(() => undefined);
  for (let i = 0; i < 5; i++) await send('/api/users/1');
  await send('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Eve","email":"eve@example.com","isAdmin":true}' });
  await send('/api/internal/debug');
  await send('/api/users/1/orders');
  await send('/api/users/1/orders', { headers: { authorization: `Bearer ${tokens.user}` } });
  await send('/api/users/2/orders', { headers: { authorization: `Bearer ${tokens.user}` } });
  await send('/api/users/2/orders', { headers: { authorization: `Bearer ${tokens.admin}` } });
}

export function demoInstructions(demo: Demo): string {
  const g = demo.gatewayUrl;
  return [
    '',
    'Gatehouse demo is running.',
    `  gateway   ${g}   (in front of the sample API at ${demo.sample.url})`,
    `  console   ${demo.adminUrl}/admin/   sign in with the viewer token below`,
    `  metrics   ${demo.adminUrl}/metrics   health ${demo.adminUrl}/healthz`,
    `  CONSOLE_VIEWER_TOKEN=${demo.consoleTokens.viewer}`,
    `  CONSOLE_OPERATOR_TOKEN=${demo.consoleTokens.operator}   (may block, revoke and acknowledge)`,
    `  spec      ${demoFile('openapi.yaml')}`,
    '',
    'Try:',
    '  # allowed: the contract matches; the password hash the service leaks is stripped',
    `  curl -i ${g}/api/users/1`,
    '',
    '  # refused by the contract: an undeclared field (mass assignment) -> 400 GH_CONTRACT_UNKNOWN_FIELD',
    `  curl -i -X POST ${g}/api/users -H 'content-type: application/json' -d '{"name":"Eve","email":"eve@example.com","isAdmin":true}'`,
    '',
    '  # an undeclared path (a shadow API the service exposes) -> 404 GH_ROUTE_NOT_FOUND',
    `  curl -i ${g}/api/internal/debug`,
    '',
    '  # the service crashes with a stack trace -> the gateway withholds it (500, problem+json)',
    `  curl -i ${g}/api/orders/999`,
    '',
    'Identity (tokens from the demo issuer, valid 1 hour):',
    `  USER_TOKEN=${demo.tokens.user}`,
    `  ADMIN_TOKEN=${demo.tokens.admin}`,
    '',
    '  # refused without a token -> 401 GH_AUTHN_REQUIRED with a WWW-Authenticate challenge',
    `  curl -i ${g}/api/users/1/orders`,
    '',
    '  # allowed: user 1 reads their own orders',
    `  curl -i ${g}/api/users/1/orders -H "authorization: Bearer $USER_TOKEN"`,
    '',
    '  # a BOLA attempt: user 1 reads user 2\'s orders -> 403 GH_AUTHZ_OBJECT_FORBIDDEN',
    `  curl -i ${g}/api/users/2/orders -H "authorization: Bearer $USER_TOKEN"`,
    '',
    '  # an admin may read any user\'s orders',
    `  curl -i ${g}/api/users/2/orders -H "authorization: Bearer $ADMIN_TOKEN"`,
    '',
    'Ctrl-C stops it.',
    '',
  ].join('\n');
}
