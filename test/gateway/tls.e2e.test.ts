import { copyFileSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { fileURLToPath } from 'node:url';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

const spec = fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url));
let upstream: TestUpstream;
let gw: StartedGateway;
let dir: string;
let caPem: Buffer;
let port: number;

beforeAll(async () => {
  dir = await scratchDir('gh-tls-');
  const ca = makeCa(dir, 'ca');
  const first = makeLeaf(dir, 'gw-1', ca, { days: 10 });
  makeLeaf(dir, 'gw-2', ca, { days: 90 });
  copyFileSync(first.cert, `${dir}/gw.crt`);
  copyFileSync(first.key, `${dir}/gw.key`);
  caPem = readFileSync(ca.cert);
  upstream = await startUpstream((_req, res) => json(res, 200, { id: 1, name: 'Rex' }));
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { https: { host: 127.0.0.1, port: 0, cert: gw.crt, key: gw.key } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'apis:',
    '  - name: tls',
    `    spec: ${spec}`,
    `    upstream: { url: "${upstream.url}" }`,
  ].join('\n'));
  port = gw.gateway.addresses.https?.port ?? 0;
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

function get(path: string): Promise<{ status: number; headers: Record<string, unknown>; peer: PeerCertificate }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: caPem, agent: false }, (res) => {
      const peer = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, peer }));
    });
    req.on('error', reject);
    req.end();
  });
}

function handshake(options: { maxVersion?: 'TLSv1.1' | 'TLSv1.2'; ciphers?: string }): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem, ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion, minVersion: 'TLSv1' }), ...(options.ciphers === undefined ? {} : { ciphers: options.ciphers }) }, () => {
      resolve(socket.getProtocol() ?? 'unknown');
      socket.end();
    });
    socket.on('error', (error) => resolve(`refused: ${error.message}`));
  });
}

describe('the HTTPS listener', () => {
  it('serves over TLS with HSTS and verifies against the CA', async () => {
    const res = await get('/v1/pets/1');
    expect(res.status).toBe(200);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('prefers TLS 1.3 and refuses TLS 1.1', async () => {
    expect(await handshake({})).toBe('TLSv1.3');
    expect(await handshake({ maxVersion: 'TLSv1.1' })).toMatch(/^refused/);
  });

  it('refuses a TLS 1.2 cipher without forward secrecy', async () => {
    expect(await handshake({ maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' })).toMatch(/^refused/);
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
  });

  it('publishes days to expiry and picks up a new certificate on reload without a restart', async () => {
    const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
    expect(metrics).toMatch(/gatehouse_certificate_expiry_days\{use="listener",subject="CN=gw-1",file="[^"]+"\} (9|10)/);
    const before = (await get('/v1/pets/1')).peer.fingerprint256;
    copyFileSync(`${dir}/gw-2.crt`, `${dir}/gw.crt`);
    copyFileSync(`${dir}/gw-2.key`, `${dir}/gw.key`);
    expect(await gw.gateway.reload()).toEqual({ ok: true });
    const after = (await get('/v1/pets/1')).peer;
    expect(after.fingerprint256).not.toBe(before);
    expect(after.subject.CN).toBe('gw-2');
  });
});
