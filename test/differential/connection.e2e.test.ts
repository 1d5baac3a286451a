import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendRaw } from '../abuse/raw.js';
import { shopSpec, startDiffGateway, startRecorder, type DiffGateway, type Recorder } from './harness.js';

/*
 * Connection hygiene: a request reaches the upstream only if its answer can reach the client.
 * A request pipelined behind one whose answer closes the connection is never forwarded; bytes
 * after a request that closes the connection are never a request; request lines that are not
 * HTTP/1.0 or 1.1 are never proxied; header copies that framing could be read from differently
 * are refused.
 */

let recorder: Recorder;
let gw: DiffGateway;

beforeAll(async () => {
  recorder = await startRecorder((received, res) => {
    if (!received.target.startsWith('/api/files/big')) return false;
    // A download larger than maxResponseBytes, streamed: the gateway cuts it mid-way.
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    res.end(Buffer.alloc(64 * 1024, 0x61));
    return true;
  });
  gw = await startDiffGateway(`  - { name: shop, spec: ${shopSpec}, basePath: /api, upstream: { url: "${recorder.url}", timeout: 2s, maxResponseBytes: 1kb } }`);
});
afterAll(async () => {
  await gw.close();
  await recorder.close();
});
beforeEach(() => { recorder.received.length = 0; });

/** A status line (a problem's detail may mention HTTP/1.1, but not followed by a reason and CRLF). */
const STATUS_LINE = /HTTP\/1\.1 (\d{3}) [A-Za-z ]+\r\n/g;

const CREATE = 'POST /api/users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n{"email":"a@b.co"}';

/** Writes `raw` at once and collects everything until the server closes (every case here ends with a close; `waitMs` is a safety net). */
function exchange(raw: string, waitMs = 10_000): Promise<{ statuses: number[]; text: string; closed: boolean }> {
  const { port } = new URL(gw.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(Buffer.from(raw, 'latin1')));
    let text = '';
    let closed = false;
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ statuses: [...text.matchAll(STATUS_LINE)].map((m) => Number(m[1])), text, closed });
    };
    const timer = setTimeout(finish, waitMs);
    socket.on('data', (d: Buffer) => { text += d.toString('latin1'); });
    socket.on('close', () => { closed = true; finish(); });
    socket.on('error', () => { /* a reset is a close */ });
  });
}

const forwardedCreates = (): number => recorder.received.filter((r) => r.method === 'POST').length;

describe('a request reaches the upstream only if its answer reaches the client', () => {
  it('a POST pipelined behind a refusal that closes the connection is never forwarded', async () => {
    // The refusal is sent before the refused request's body is read, so it closes the connection.
    const answer = await exchange(`POST /api/nothing HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}${CREATE}`);
    expect(answer.statuses).toEqual([404]);
    expect(answer.closed).toBe(true);
    expect(forwardedCreates()).toBe(0);
  });

  it('a POST pipelined behind a download the gateway cuts is never forwarded', async () => {
    const answer = await exchange(`GET /api/files/big HTTP/1.1\r\nHost: gw\r\n\r\n${CREATE}`);
    expect(answer.closed).toBe(true);
    expect(answer.statuses.filter((s) => s === 201)).toHaveLength(0);
    expect(recorder.received.map((r) => r.target)).toEqual(['/api/files/big']);
  });

  it('the twin: a POST pipelined behind a 404 that keeps the connection is forwarded and answered', async () => {
    const answer = await exchange(`GET /api/nothing HTTP/1.1\r\nHost: gw\r\n\r\n${CREATE.replace('Content-Length', 'Connection: close\r\nContent-Length')}`);
    expect(answer.statuses).toEqual([404, 201]);
    expect(forwardedCreates()).toBe(1);
  });

  it('the twin: requests pipelined behind forwarded ones are each forwarded once and answered in order', async () => {
    const answer = await exchange(`GET /api/users/1 HTTP/1.1\r\nHost: gw\r\n\r\nGET /api/users/2 HTTP/1.1\r\nHost: gw\r\n\r\n${CREATE.replace('Content-Length', 'Connection: close\r\nContent-Length')}`);
    expect(answer.statuses).toEqual([200, 200, 201]);
    expect(recorder.received.map((r) => r.target)).toEqual(['/api/users/1', '/api/users/2', '/api/users']);
  });

  it('bytes after a request that closes the connection are not a request, and its answer is not replaced by a 400', async () => {
    const answer = await exchange(`GET /api/users/1 HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n${CREATE}`);
    expect(answer.statuses).toEqual([200]);
    expect(recorder.received.map((r) => r.target)).toEqual(['/api/users/1']);
  });
});

describe('request lines that are not HTTP/1.0 or 1.1 are never proxied', () => {
  const cases: [string, string, number, string][] = [
    ['no version (HTTP/0.9)', `GET /api/users/1\r\n\r\n${CREATE}`, 400, 'GH_REQUEST_MALFORMED'],
    ['HTTP/0.9 named', `GET /api/users/1 HTTP/0.9\r\nHost: gw\r\n\r\n${CREATE}`, 400, 'GH_REQUEST_MALFORMED'],
    ['HTTP/2.0 on an HTTP/1 connection', `GET /api/users/1 HTTP/2.0\r\nHost: gw\r\n\r\n${CREATE}`, 505, 'GH_REQUEST_HTTP_VERSION'],
    ['HTTP/1.2', `GET /api/users/1 HTTP/1.2\r\nHost: gw\r\n\r\n${CREATE}`, 400, 'GH_REQUEST_MALFORMED'],
    ['HTTP/3.0', `GET /api/users/1 HTTP/3.0\r\nHost: gw\r\n\r\n${CREATE}`, 400, 'GH_REQUEST_MALFORMED'],
  ];
  it.each(cases)('%s: %i, connection closed, nothing forwarded', async (_what, raw, status, code) => {
    const answer = await sendRaw(gw.url, raw);
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toMatchObject({ code });
    expect(answer.text.match(STATUS_LINE)).toHaveLength(1);
    expect(recorder.received).toHaveLength(0);
  });

  it.each(['HTTP/1.0', 'HTTP/1.1'])('the twin: %s is served', async (version) => {
    const answer = await sendRaw(gw.url, `GET /api/users/1 ${version}\r\nHost: gw\r\nConnection: close\r\n\r\n`);
    expect(answer.status).toBe(200);
    expect(recorder.received).toHaveLength(1);
  });
});

describe('header copies the framing could be read from differently are refused (raw sockets)', () => {
  const POST = 'POST /api/users HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n';
  const cases: [string, string][] = [
    ['Content_Length beside Content-Length (CGI-style servers read both as CONTENT_LENGTH)', `${POST}Content_Length: 5\r\nContent-Length: 18\r\n\r\n{"email":"a@b.co"}`],
    ['Content_Length alone', `${POST}Content_Length: 18\r\n\r\n{"email":"a@b.co"}`],
    ['Transfer_Encoding beside Content-Length', `${POST}Transfer_Encoding: chunked\r\nContent-Length: 18\r\n\r\n{"email":"a@b.co"}`],
    ['Content-Length twice, in different case', `${POST}Content-Length: 18\r\ncontent-length: 18\r\n\r\n{"email":"a@b.co"}`],
    ['Transfer-Encoding twice, one identity', `${POST}Transfer-Encoding: chunked\r\nTransfer-encoding: identity\r\n\r\n12\r\n{"email":"a@b.co"}\r\n0\r\n\r\n`],
    ['Transfer-Encoding identity', `${POST}Transfer-Encoding: identity\r\nContent-Length: 18\r\n\r\n{"email":"a@b.co"}`],
    ['Host twice, in different case', 'GET /api/users/1 HTTP/1.1\r\nHost: gw\r\nhOST: internal.example\r\n\r\n'],
    ['Host continued by obs-fold', 'GET /api/users/1 HTTP/1.1\r\nHost: gw\r\n internal.example\r\n\r\n'],
    ['Content-Length continued by obs-fold', `${POST}Content-Length: 1\r\n 8\r\n\r\n{"email":"a@b.co"}`],
    ['a tab before the colon', `${POST}Content-Length\t: 18\r\n\r\n{"email":"a@b.co"}`],
  ];
  it.each(cases)('%s: 400, one answer, nothing forwarded', async (_what, raw) => {
    const answer = await sendRaw(gw.url, raw);
    expect(answer.status).toBe(400);
    expect(['GH_REQUEST_SMUGGLING', 'GH_REQUEST_MALFORMED']).toContain((JSON.parse(answer.body) as { code: string }).code);
    expect(answer.text.match(STATUS_LINE)).toHaveLength(1);
    expect(recorder.received).toHaveLength(0);
  });

  it('the twin: other headers with underscores pass', async () => {
    const answer = await sendRaw(gw.url, `${POST}X_Client_Tag: a\r\nContent-Length: 18\r\nConnection: close\r\n\r\n{"email":"a@b.co"}`);
    expect(answer.status).toBe(201);
    expect(recorder.received).toHaveLength(1);
    expect(recorder.received[0]?.headers['content-length']).toBe('18');
  });
});
