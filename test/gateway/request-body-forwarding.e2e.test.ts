import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';

/*
 * How a body no policy reads reaches the upstream (contract off): a small one is read whole
 * first, so a client trickling it ties up a gateway socket, not an upstream connection; a large
 * one (over 64 KiB) streams, so the gateway never holds it. Either way the upstream reads
 * exactly the bytes the client sent, with their length. The upstream here is a raw socket
 * server that notes when the first byte of a body arrives.
 */
const SPEC = `
openapi: 3.0.3
info: { title: Uploads, version: "1" }
paths:
  /uploads:
    post:
      requestBody: { content: { application/octet-stream: { schema: { type: string, format: binary } } } }
      responses: { '204': { description: stored } }
`;

interface Received { head: string; body: Buffer; firstBodyByteAt: number }

let upstream: Server;
let upstreamUrl: string;
const received: Received[] = [];
let gw: StartedGateway;

/** Reads one request per connection (head and Content-Length body), answers 204. */
function rawUpstream(): Promise<Server> {
  const server = createServer((socket: Socket) => {
    let buffer = Buffer.alloc(0);
    let current: Received | undefined;
    let length = -1;
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (current === undefined) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end === -1) return;
        const head = buffer.subarray(0, end).toString('latin1');
        length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? -1);
        current = { head, body: Buffer.alloc(0), firstBodyByteAt: 0 };
        buffer = buffer.subarray(end + 4);
      }
      if (buffer.length > 0 && current.firstBodyByteAt === 0) current.firstBodyByteAt = Date.now();
      if (length >= 0 && buffer.length >= length) {
        current.body = buffer.subarray(0, length);
        received.push(current);
        buffer = buffer.subarray(length);
        current = undefined;
        socket.write('HTTP/1.1 204 No Content\r\n\r\n');
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends the head and the body in two parts, `pauseMs` apart; resolves with the status line and when the second part went. */
function trickle(url: string, body: Buffer, split: number, pauseMs: number): Promise<{ status: string; secondPartAt: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let secondPartAt = 0;
    let answer = '';
    const socket = connect(Number(port), hostname, () => {
      socket.write(`POST /uploads HTTP/1.1\r\nhost: test\r\ncontent-type: application/octet-stream\r\ncontent-length: ${body.length}\r\n\r\n`);
      socket.write(body.subarray(0, split));
      setTimeout(() => { secondPartAt = Date.now(); socket.write(body.subarray(split)); }, pauseMs);
    });
    socket.on('data', (c: Buffer) => {
      answer += c.toString('latin1');
      if (answer.includes('\r\n\r\n')) { socket.destroy(); resolve({ status: answer.split('\r\n')[0] ?? '', secondPartAt }); }
    });
    socket.on('error', reject);
  });
}

const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) % 251));

beforeAll(async () => {
  upstream = await rawUpstream();
  const address = upstream.address() as { port: number };
  upstreamUrl = `http://127.0.0.1:${address.port}`;
  const dir = await scratchDir('gh-body-forwarding-');
  await writeFiles(dir, { 'uploads.yaml': SPEC });
  gw = await startGateway(await scratchDir('gh-body-forwarding-gw-'), configYaml({
    spec: path.join(dir, 'uploads.yaml'), upstream: upstreamUrl, policies: '      contract: { mode: off, responses: off }',
  }));
});

afterAll(async () => {
  await gw.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

describe('a request body no policy reads', () => {
  it('is read whole before the upstream sees it when small, and arrives byte for byte', async () => {
    const body = bytes(4096);
    const before = received.length;
    const sent = await trickle(gw.url, body, 100, 400);
    expect(sent.status).toBe('HTTP/1.1 204 No Content');
    const got = received[before] as Received;
    // Not one byte of the body reached the upstream before the client had sent all of it.
    expect(got.firstBodyByteAt).toBeGreaterThanOrEqual(sent.secondPartAt);
    expect(got.head).toMatch(/\r\ncontent-length: 4096(\r\n|$)/i);
    expect(got.head).not.toMatch(/transfer-encoding/i);
    expect(got.body.equals(body)).toBe(true);
  });

  it('streams when large: the upstream reads its start while the client is still sending', async () => {
    const body = bytes(256 * 1024);
    const before = received.length;
    const sent = await trickle(gw.url, body, 128 * 1024, 400);
    expect(sent.status).toBe('HTTP/1.1 204 No Content');
    const got = received[before] as Received;
    expect(got.firstBodyByteAt).toBeGreaterThan(0);
    expect(got.firstBodyByteAt).toBeLessThan(sent.secondPartAt);
    expect(got.head).toMatch(/\r\ncontent-length: 262144(\r\n|$)/i);
    expect(got.body.equals(body)).toBe(true);
  });
});
