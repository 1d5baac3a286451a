import { readFileSync } from 'node:fs';
import { connect as h2connect } from 'node:http2';
import { createServer as createHttpsServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, type CertFiles } from '../helpers/certs.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';

const spec = fileURLToPath(new URL('./fixtures/mtls.yaml', import.meta.url));
const SPIFFE = 'spiffe://example.org/ns/prod/sa/billing';

let dir: string;
let gw: StartedGateway;
let ca: CertFiles;
let billing: CertFiles;
let unbound: CertFiles;
let outsider: CertFiles;
let upstream: Server;
let upstreamSeen: { subject: string | undefined; clientCn: string | undefined }[] = [];
let port: number;

beforeAll(async () => {
  dir = await scratchDir('gh-mtls-');
  ca = makeCa(dir, 'clients-ca');
  const otherCa = makeCa(dir, 'other-ca');
  makeLeaf(dir, 'gw', ca);
  billing = makeLeaf(dir, 'billing', ca, { server: false, sanUri: SPIFFE });
  unbound = makeLeaf(dir, 'intruder', ca, { server: false, sanUri: 'spiffe://example.org/ns/dev/sa/intruder' });
  outsider = makeLeaf(dir, 'outsider', otherCa, { server: false, sanUri: SPIFFE });
  // The upstream requires a client certificate too: the gateway's, signed by the same CA.
  const upstreamCa = makeCa(dir, 'upstream-ca');
  const upstreamCert = makeLeaf(dir, 'upstream', upstreamCa);
  makeLeaf(dir, 'gw-client', upstreamCa, { server: false });
  upstream = createHttpsServer({ cert: readFileSync(upstreamCert.cert), key: readFileSync(upstreamCert.key), ca: readFileSync(upstreamCa.cert), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    upstreamSeen.push({ subject: req.headers['x-gatehouse-subject'] as string | undefined, clientCn: peer.subject?.CN === undefined ? undefined : String(peer.subject.CN) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { https: { host: 127.0.0.1, port: 0, cert: gw.crt, key: gw.key, clientCa: clients-ca.crt } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'identity:',
    '  mtls:',
    `    bindings: [{ uri: "${SPIFFE}", scopes: [ledger:read] }]`,
    'apis:',
    '  - name: ledger',
    `    spec: ${spec}`,
    `    upstream: { url: "https://127.0.0.1:${upstreamPort}", tls: { cert: gw-client.crt, key: gw-client.key, ca: upstream-ca.crt } }`,
    '    policies:',
    '      authorization: { strict: true, rules: [{ operations: [listEntries], scopes: [ledger:read] }] }',
    '      forwardIdentity: { headerPrefix: x-gatehouse- }',
  ].join('\n'));
  port = gw.gateway.addresses.https?.port ?? 0;
});
afterAll(async () => {
  await gw.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

function get(client: CertFiles | undefined): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/entries', agent: false, ca: readFileSync(ca.cert),
      ...(client === undefined ? {} : { cert: readFileSync(client.cert), key: readFileSync(client.key) }),
    }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('mTLS identity', () => {
  it('takes the SPIFFE ID of a verified client certificate as the identity and its bound scopes', async () => {
    upstreamSeen = [];
    const res = await get(billing);
    expect(res.status).toBe(200);
    expect(upstreamSeen[0]?.subject).toBe(SPIFFE);
  });

  it('presents the configured client certificate to the upstream (upstream mTLS)', async () => {
    upstreamSeen = [];
    await get(billing);
    expect(upstreamSeen[0]?.clientCn).toBe('gw-client');
  });

  it('refuses a certificate from another CA at the handshake', async () => {
    await expect(get(outsider)).rejects.toThrow();
  });

  it('refuses a connection without a client certificate', async () => {
    await expect(get(undefined)).rejects.toThrow();
  });

  it('refuses a trusted certificate that is not bound to the needed scope', async () => {
    const res = await get(unbound);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'GH_AUTHZ_FORBIDDEN' });
  });
});

describe('mTLS identity over HTTP/2', () => {
  function get2(client: CertFiles): Promise<number> {
    return new Promise((resolve, reject) => {
      const session = h2connect(`https://localhost:${port}`, { ca: readFileSync(ca.cert), cert: readFileSync(client.cert), key: readFileSync(client.key) });
      session.on('error', reject);
      const stream = session.request({ ':path': '/entries' });
      let status = 0;
      stream.on('response', (h) => { status = Number(h[':status']); });
      stream.resume();
      stream.on('close', () => { session.close(); resolve(status); });
      stream.on('error', reject);
    });
  }

  it('reads the same certificate identity from an h2 connection, and refuses the unbound one alike', async () => {
    upstreamSeen = [];
    expect(await get2(billing)).toBe(200);
    expect(upstreamSeen[0]?.subject).toBe(SPIFFE);
    expect(await get2(unbound)).toBe(403);
  });
});
