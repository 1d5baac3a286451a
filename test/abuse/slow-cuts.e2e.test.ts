import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { abuseGateway, okUpstream } from './helpers.js';

/*
 * Slow-header (slowloris) and slow-body clients are cut by the gateway's timeouts. Every cut
 * must leave a trace: counted by reason and by the status that went on the wire, logged without
 * flooding the log, and a request whose body timed out is logged with the 408 the client got.
 */

let upstream: TestUpstream;
let gw: StartedGateway;

beforeAll(async () => {
  upstream = await okUpstream();
  gw = await abuseGateway(upstream, undefined, 'limits: { headersTimeout: 300ms, requestTimeout: 700ms }');
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

/** Sends `first`, keeps the connection open without finishing, and resolves with what the server wrote before closing. */
function hang(first: string): Promise<string> {
  const { hostname, port } = new URL(gw.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname, () => socket.write(first));
    let text = '';
    socket.on('data', (c: Buffer) => { text += c.toString('latin1'); });
    socket.on('close', () => resolve(text));
    socket.on('error', () => undefined);
    // A backstop far above the timeouts, so a gateway that never cuts fails the test.
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

async function cuts(reason: string, status: string): Promise<number> {
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`gatehouse_connections_cut_total{reason="${reason}",status="${status}"}`));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('slow clients', () => {
  it('counts and logs slowloris cuts by reason, one log line for a burst', async () => {
    const answers = await Promise.all(Array.from({ length: 25 }, () => hang('GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Slow: 1\r\n')));
    for (const answer of answers) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(await cuts('header_timeout', '408')).toBe(25);
    const lines = gw.logs.filter((l) => l.msg === 'connection cut before an answer' && l.reason === 'header_timeout');
    // Rate-limited: a burst of 25 cuts within a few hundred milliseconds is one line, not 25.
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(5);
    expect(lines[0]).toMatchObject({ level: 40, status: 408, code: 'ERR_HTTP_REQUEST_TIMEOUT', remote: '127.0.0.1' });
    // The legitimate twin: a complete request on time is answered and not counted as a cut.
    expect((await fetch(`${gw.url}/v1/items`)).status).toBe(200);
    expect(await cuts('header_timeout', '408')).toBe(25);
  });

  it('logs a request whose body never finished with the 408 the client got', async () => {
    const before = gw.logs.length;
    const answer = await hang('POST /v1/items HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{"title":');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(await cuts('body_timeout', '408')).toBe(1);
    await expect.poll(() => gw.logs.slice(before).find((l) => l.msg === 'request' && l.method === 'POST')).toMatchObject({ status: 408, code: 'GH_REQUEST_TIMEOUT' });
    expect(gw.logs.slice(before).some((l) => l.msg === 'connection cut before an answer' && l.reason === 'body_timeout')).toBe(true);
    expect(upstream.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });
});
