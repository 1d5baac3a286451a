import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { startUpstream, type TestUpstream } from '../helpers/upstream.js';

const PETS = fileURLToPath(new URL('../gateway/fixtures/pets-3.1.yaml', import.meta.url));

let upstream: TestUpstream;
let gw: StartedGateway;
let dir: string;

beforeAll(async () => {
  dir = await scratchDir('gh-redirect-');
  makeLeaf(dir, 'gw', makeCa(dir, 'ca'));
  upstream = await startUpstream();
  gw = await startGateway(dir, [
    'version: "1"',
    'listen:',
    '  http: { host: 127.0.0.1, port: 0, redirectToHttps: true }',
    '  https: { host: 127.0.0.1, port: 0, cert: gw.crt, key: gw.key }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'apis:',
    '  - name: pets',
    `    spec: ${PETS}`,
    `    upstream: { url: "${upstream.url}" }`,
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

function plain(path: string, host: string, method = 'GET'): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const url = new URL(gw.url);
    const req = request({ host: url.hostname, port: url.port, path, method, headers: { host }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listen.http.redirectToHttps', () => {
  it('answers every plain request 308 to the same path on the https port, and proxies nothing in clear text', async () => {
    const port = gw.gateway.addresses.https?.port ?? 0;
    const got = await plain('/v1/pets?limit=1', 'api.example:8080', 'POST');
    expect(got).toEqual({ status: 308, location: `https://api.example:${port}/v1/pets?limit=1` });
    expect(upstream.requests).toHaveLength(0);
  });

  it('refuses to echo a Host that is not a host name into Location', async () => {
    expect((await plain('/v1/pets', 'evil.example/@x')).status).toBe(400);
    expect((await plain('//evil.example/x', 'api.example')).status).toBe(400);
  });

  it('is a config error without an https listener', async () => {
    await writeFiles(dir, { 'no-https.yaml': ['version: "1"', 'listen: { http: { port: 0, redirectToHttps: true } }', 'apis:', '  - name: pets', `    spec: ${PETS}`, '    upstream: { url: "http://127.0.0.1:1" }'].join('\n') });
    await expect(loadConfig(`${dir}/no-https.yaml`)).rejects.toThrow(/listen\.http\.redirectToHttps.*needs an https listener/s);
  });
});
