import { createHash, createPublicKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCa, makeLeaf, type CertFiles } from '../helpers/certs.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';

/** Egress to a provider over real TLS: verified for the declared name, pinned, and refused when not. */
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/egress');
let provider: Server;
let gw: StartedGateway;
let calls = 0;

function pinOf(certFile: string): string {
  const spki = createPublicKey(readFileSync(certFile)).export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

beforeAll(async () => {
  const dir = await scratchDir('gh-egress-tls-');
  const ca: CertFiles = makeCa(dir, 'acme-ca');
  const leaf = makeLeaf(dir, 'acme', ca);
  provider = createServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, (_req, res) => {
    calls++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 1, name: 'sprocket', price: 9.5 }));
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  const port = (provider.address() as AddressInfo).port;
  const server = `https://localhost:${port}/v1`;
  await writeFile(path.join(dir, 'acme.openapi.yaml'), (await readFile(path.join(EXAMPLE, 'acme.openapi.yaml'), 'utf8')).replace('http://127.0.0.1:4010/v1', server));
  const api = (name: string, tls: string, pins: string[]): string => [
    `  - name: ${name}`,
    '    direction: egress',
    '    spec: acme.openapi.yaml',
    `    basePath: /${name}`,
    `    upstream: { url: "${server}", connectTimeout: 2s${tls} }`,
    `    egress: { allowPrivate: [127.0.0.1], pins: [${pins.map((p) => `"${p}"`).join(', ')}] }`,
  ].join('\n');
  const trusted = `, tls: { ca: ${ca.cert} }`;
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'apis:',
    api('verified', trusted, []),
    api('pinned', trusted, [pinOf(leaf.cert)]),
    api('mispinned', trusted, [`sha256/${'A'.repeat(43)}=`]),
    api('untrusted', '', []),
  ].join('\n'));
});

afterAll(async () => {
  await gw?.close();
  await new Promise<void>((resolve) => { provider?.closeAllConnections(); provider?.close(() => resolve()); });
});

async function call(name: string): Promise<{ status: number; code: unknown }> {
  const res = await fetch(`${gw.url}/${name}/widgets/1`);
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, code: body.code };
}

describe('egress over TLS', () => {
  it('reaches a provider whose certificate verifies for the declared name, pinned or not', async () => {
    expect(await call('verified')).toEqual({ status: 200, code: undefined });
    expect(await call('pinned')).toEqual({ status: 200, code: undefined });
  });

  it('refuses a verified certificate without the pinned key, and sends the provider nothing', async () => {
    const before = calls;
    expect(await call('mispinned')).toEqual({ status: 502, code: 'GH_EGRESS_CERTIFICATE_REFUSED' });
    expect(calls).toBe(before);
  });

  it('refuses a certificate the trust store does not verify', async () => {
    const before = calls;
    expect((await call('untrusted')).status).toBe(502);
    expect(calls).toBe(before);
  });
});
