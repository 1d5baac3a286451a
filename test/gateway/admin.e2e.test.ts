import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { sendRaw } from '../abuse/raw.js';
import { makeCa, makeLeaf, type CertFiles } from '../helpers/certs.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * The admin listener: held to the main listeners' limits, and with `admin.auth` closed to
 * anyone without the token or a client certificate of the configured CA, except the probes.
 */
const SPEC = fileURLToPath(new URL('../identity/fixtures/ledger.json', import.meta.url));
const TOKEN = 'adm-2f9c1e7b5a3d48e6b0c4f1a9e7d2c5b8';
let upstream: TestUpstream;
let dir: string;
const gateways: StartedGateway[] = [];

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, {}));
  dir = await scratchDir('gh-admin-');
  await writeFile(path.join(dir, 'admin-token'), `${TOKEN}\n`);
});

afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await upstream.close();
});

function yaml(admin: string, limits = ''): string {
  return [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    `admin: ${admin}`,
    'store: { memory: {} }',
    limits,
    'apis:',
    '  - name: ledger',
    `    spec: ${SPEC}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
  ].join('\n');
}

async function start(admin: string, limits = ''): Promise<StartedGateway> {
  const gw = await startGateway(dir, yaml(admin, limits));
  gateways.push(gw);
  return gw;
}

const raw = (gw: StartedGateway, head: string[]): ReturnType<typeof sendRaw> => sendRaw(gw.adminUrl, [...head, 'Connection: close', '', ''].join('\r\n'));

describe('the admin listener\'s limits', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await start('{ host: 127.0.0.1, port: 0 }', 'limits: { maxHeaderCount: 10, maxHeaderBytes: 2kb, headersTimeout: 1s, maxConnections: 3 }');
  });

  it('refuses more header fields than limits.maxHeaderCount, as the main listener does', async () => {
    const many = Array.from({ length: 12 }, (_, i) => `X-Filler-${i}: ${i}`);
    const admin = await raw(gw, ['GET /healthz HTTP/1.1', 'Host: admin', ...many]);
    const main = await sendRaw(gw.url, ['GET /api/ping HTTP/1.1', 'Host: api', ...many, 'Connection: close', '', ''].join('\r\n'));
    expect([admin.status, main.status]).toEqual([431, 431]);
    expect((await raw(gw, ['GET /healthz HTTP/1.1', 'Host: admin', ...many.slice(0, 5)])).status).toBe(200);
  });

  it('refuses a header section larger than limits.maxHeaderBytes', async () => {
    const answer = await raw(gw, ['GET /healthz HTTP/1.1', 'Host: admin', `X-Big: ${'a'.repeat(3000)}`]);
    expect(answer.status).toBe(431);
  });

  it('cuts a client that never finishes its headers (slowloris)', async () => {
    const answer = await sendRaw(gw.adminUrl, 'GET /healthz HTTP/1.1\r\nHost: admin\r\nX-Slow: ', 10_000);
    // The server answered and closed: sendRaw returns on close, long before its own 10 s.
    expect(answer.status).toBe(408);
  });

  it('holds no more connections than limits.maxConnections', async () => {
    const { port } = new URL(gw.adminUrl);
    const held = await Promise.all(Array.from({ length: 3 }, () => new Promise<ReturnType<typeof connect>>((resolve) => {
      const s = connect(Number(port), '127.0.0.1', () => resolve(s));
    })));
    try {
      const fourth = await new Promise<string>((resolve) => {
        const s = connect(Number(port), '127.0.0.1', () => s.write('GET /healthz HTTP/1.1\r\nHost: admin\r\n\r\n'));
        let text = '';
        s.on('data', (c: Buffer) => { text += c.toString(); });
        s.on('close', () => resolve(text));
        s.on('error', () => resolve(text));
      });
      expect(fourth).toBe('');
    } finally {
      for (const s of held) s.destroy();
    }
  });
});

describe('admin.auth with a token', () => {
  let gw: StartedGateway;
  beforeAll(async () => {
    gw = await start(`{ host: 127.0.0.1, port: 0, auth: { token: "\${secret:file:${path.join(dir, 'admin-token')}}" } }`);
  });

  const get = (p: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> => fetch(`${gw.adminUrl}${p}`, { method, headers });

  it('refuses /metrics without the token, with a wrong one, and with the token in another scheme, alike', async () => {
    const answers = await Promise.all([
      get('/metrics'),
      get('/metrics', { authorization: `Bearer ${TOKEN.slice(0, -1)}x` }),
      get('/metrics', { authorization: `Bearer ${TOKEN}x` }),
      get('/metrics', { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` }),
      // Unknown paths are not told apart from real ones before authentication.
      get('/admin/api/v1/keys'),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="gatehouse-admin"');
      expect(await res.json()).toMatchObject({ code: 'GH_ADMIN_UNAUTHORIZED', status: 401 });
    }
  });

  it('serves /metrics to the token, in any case of the scheme name', async () => {
    const res = await get('/metrics', { authorization: `bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('gatehouse_');
    expect((await get('/nope', { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await get('/metrics', { authorization: `Bearer ${TOKEN}` }, 'POST')).status).toBe(405);
  });

  it('keeps the probes and the public key set open for kubelets and upstreams', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/.well-known/jwks.json')).status).toBe(404); // no signing key configured: public, and absent
  });

  it('logs refusals without the token', async () => {
    await get('/metrics', { authorization: 'Bearer guess' });
    const line = gw.logs.find((l) => l.msg === 'admin request refused: no valid credentials');
    expect(line).toMatchObject({ path: '/metrics' });
    expect(JSON.stringify(gw.logs)).not.toContain(TOKEN);
  });
});

describe('admin.auth with client certificates', () => {
  let gw: StartedGateway;
  let ca: CertFiles;
  let client: CertFiles;
  let stranger: CertFiles;

  beforeAll(async () => {
    const certs = await scratchDir('gh-admin-certs-');
    ca = makeCa(certs, 'ops-ca');
    const server = makeLeaf(certs, 'admin-server', ca);
    client = makeLeaf(certs, 'ops-laptop', ca, { server: false });
    stranger = makeLeaf(certs, 'stranger', makeCa(certs, 'other-ca'), { server: false });
    gw = await start(`{ host: 127.0.0.1, port: 0, tls: { cert: ${server.cert}, key: ${server.key} }, auth: { clientCa: ${ca.cert} } }`);
  });

  function get(p: string, cert?: CertFiles): Promise<number> {
    const { port } = new URL(gw.adminUrl);
    return new Promise((resolve, reject) => {
      const req = httpsRequest({
        host: '127.0.0.1', port, path: p, ca: readFileSync(ca.cert),
        ...(cert === undefined ? {} : { cert: readFileSync(cert.cert), key: readFileSync(cert.key) }),
      }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
  }

  it('serves /metrics to a certificate of the configured CA only, and the probes to anyone', async () => {
    expect(await get('/metrics', client)).toBe(200);
    expect(await get('/metrics')).toBe(401);
    expect(await get('/metrics', stranger)).toBe(401);
    expect(await get('/healthz')).toBe(200);
    expect(await get('/readyz', stranger)).toBe(200);
  });
});

describe('admin config checks', () => {
  async function check(admin: string): Promise<{ ok: boolean; lines: string[] }> {
    const file = path.join(await scratchDir('gh-admin-check-'), 'gatehouse.yaml');
    await writeFile(file, yaml(admin));
    return checkConfig(file);
  }

  it('warns when the admin listener is reachable from other machines without admin.auth', async () => {
    const open = await check('{ host: 0.0.0.0, port: 9090 }');
    expect(open.ok).toBe(true);
    expect(open.lines).toContainEqual(expect.stringMatching(/^warning: admin listener on 0\.0\.0\.0:9090 .* has no admin\.auth/));
    const certs = makeLeaf(await scratchDir('gh-admin-check-certs-'), 'admin', makeCa(dir, 'check-ca'));
    const token = `token: "\${secret:file:${path.join(dir, 'admin-token')}}"`;
    for (const safe of ['{ host: 127.0.0.1, port: 9090 }', '{ host: "::1", port: 9090 }', `{ host: 0.0.0.0, port: 9090, tls: { cert: ${certs.cert}, key: ${certs.key} }, auth: { ${token} } }`, '{ host: 0.0.0.0, enabled: false }']) {
      expect((await check(safe)).lines.join('\n'), safe).not.toContain('admin listener');
    }
    // A token over plain HTTP to other machines crosses the network in clear.
    expect((await check(`{ host: 0.0.0.0, port: 9090, auth: { ${token} } }`)).lines).toContainEqual(expect.stringMatching(/^warning: admin listener on 0\.0\.0\.0:9090 takes admin\.auth\.token over plain HTTP/));
  });

  it('refuses a token written in the file, a short one, and client certificates without TLS', async () => {
    const problems = async (admin: string): Promise<string[]> => {
      try {
        await parseConfig(yaml(admin), path.join(dir, 'inline.yaml'), { env: { SHORT_ADMIN_TOKEN: 'hunter2' } });
        return [];
      } catch (error) {
        return (error as ConfigError).problems.map((p) => `${p.path}: ${p.message}`);
      }
    };
    expect(await problems(`{ auth: { token: "${TOKEN}" } }`)).toEqual(['admin.auth.token: must be a ${secret:…} reference (a token written in the config file ends up in version control)']);
    expect(await problems('{ auth: { token: "${secret:env:SHORT_ADMIN_TOKEN}" } }')).toEqual(['admin.auth.token: must be at least 16 characters: use a generated secret (gatehouse secrets set admin-token --generate)']);
    expect(await problems('{ auth: { clientCa: ca.crt } }')).toContainEqual('admin.auth.clientCa: needs admin.tls: client certificates are presented over TLS');
    expect(await problems('{ auth: {} }')).toEqual(['admin.auth: must name a token, a clientCa, or both']);
  });
});
