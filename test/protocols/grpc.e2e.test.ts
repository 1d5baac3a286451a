import { writeFileSync } from 'node:fs';
import { connect, createServer, type ClientHttp2Session, type Http2Server, type IncomingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';

/*
 * gRPC through the gateway: a gRPC service over cleartext HTTP/2 (h2c) written from the wire
 * format (length-prefixed messages, grpc-status in trailers), a client on the gateway's h2c
 * listener, authentication and scopes on the operation named by :path (service + method).
 */

const GREETER = fileURLToPath(new URL('./fixtures/greeter.yaml', import.meta.url));
const ISSUER = 'urn:test:grpc';

let service: Http2Server;
let gw: StartedGateway;
let key: SigningKey;
const seen: { path: string; headers: IncomingHttpHeaders; body: Buffer }[] = [];

/** One gRPC message: compressed flag 0, 4-byte length, bytes (here UTF-8 text for readability). */
function message(text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

beforeAll(async () => {
  const dir = await scratchDir('gh-grpc-');
  key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(key)));
  service = createServer();
  service.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ path: String(headers[':path']), headers, body });
      const name = body.subarray(5).toString();
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers(name === 'fail' ? { 'grpc-status': '5', 'grpc-message': 'no such greeting' } : { 'grpc-status': '0', 'grpc-message': '' }));
      stream.end(name === 'fail' ? undefined : message(`hello ${name}`));
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  const port = (service.address() as AddressInfo).port;
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { h2c: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: greeter, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    'apis:',
    '  - name: greeter',
    `    spec: ${GREETER}`,
    `    upstream: { url: "http://127.0.0.1:${port}", http2: true, timeout: 2s }`,
    '    grpc: true',
  ].join('\n'));
});
afterAll(async () => {
  await gw.close();
  await new Promise((resolve) => service.close(resolve));
});

interface GrpcAnswer { status: number; headers: IncomingHttpHeaders; trailers: IncomingHttpHeaders; body: Buffer }

function call(session: ClientHttp2Session, method: string, name: string, token?: string): Promise<GrpcAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': `/demo.Greeter/${method}`, 'content-type': 'application/grpc', te: 'trailers', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => { headers = h; });
    stream.on('trailers', (t) => { trailers = t; });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', reject);
    stream.on('close', () => resolve({ status: Number(headers[':status']), headers, trailers, body: Buffer.concat(chunks) }));
    stream.end(message(name));
  });
}

describe('gRPC over HTTP/2', () => {
  let session: ClientHttp2Session;
  beforeAll(async () => {
    session = connect(`http://127.0.0.1:${gw.gateway.addresses.h2c?.port ?? 0}`);
    await new Promise((resolve) => session.once('connect', resolve));
  });
  afterAll(() => { session.close(); });

  it('refuses a call without a token before the service sees it', async () => {
    const answer = await call(session, 'SayHello', 'ann');
    expect(answer.status).toBe(401);
    expect(seen).toHaveLength(0);
  });

  it('passes an authenticated call with its message and te: trailers, and brings the grpc-status trailer back', async () => {
    const token = await mintToken(key, { issuer: ISSUER, audience: 'greeter', subject: 'ann', ttlSeconds: 60 });
    const answer = await call(session, 'SayHello', 'ann', token);
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/grpc');
    expect(answer.body.subarray(5).toString()).toBe('hello ann');
    expect(answer.trailers['grpc-status']).toBe('0');
    expect(seen.at(-1)?.path).toBe('/demo.Greeter/SayHello');
    expect(seen.at(-1)?.headers.te).toBe('trailers');
    expect(seen.at(-1)?.body.equals(message('ann'))).toBe(true);
    const failed = await call(session, 'SayHello', 'fail', token);
    expect(failed.trailers['grpc-status']).toBe('5');
    expect(failed.trailers['grpc-message']).toBe('no such greeting');
  });

  it('authorizes per method: Admin needs the greeter:admin scope', async () => {
    const before = seen.length;
    const plain = await mintToken(key, { issuer: ISSUER, audience: 'greeter', subject: 'ann', ttlSeconds: 60 });
    expect((await call(session, 'Admin', 'x', plain)).status).toBe(403);
    expect(seen.length).toBe(before);
    const admin = await mintToken(key, { issuer: ISSUER, audience: 'greeter', subject: 'ann', ttlSeconds: 60, scopes: ['greeter:admin'] });
    expect((await call(session, 'Admin', 'x', admin)).status).toBe(200);
  });

  it('answers 404 for a method the API does not declare', async () => {
    const token = await mintToken(key, { issuer: ISSUER, audience: 'greeter', subject: 'ann', ttlSeconds: 60 });
    expect((await call(session, 'Shutdown', 'x', token)).status).toBe(404);
  });
});
