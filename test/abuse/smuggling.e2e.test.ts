import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { abuseGateway, okUpstream } from './helpers.js';
import { sendRaw } from './raw.js';

let upstream: TestUpstream;
let gw: StartedGateway;

beforeAll(async () => {
  upstream = await okUpstream();
  gw = await abuseGateway(upstream);
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => { upstream.requests.length = 0; });

const POST = 'POST /v1/items HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\n';
// Each attack carries a second, smuggled request; it must not reach the upstream either.
const SMUGGLED = 'GET /v1/items?q=smuggled HTTP/1.1\r\nHost: gw\r\n\r\n';

/**
 * Variants refused by Node's parser (llhttp, strict) before our handler runs: the gateway's
 * clientError handler answers 400 problem+json and closes the connection.
 */
const parserRefused: [string, string][] = [
  ['Content-Length with Transfer-Encoding (CL.TE)', `${POST}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['Transfer-Encoding with Content-Length (TE.CL)', `${POST}Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\n${SMUGGLED}0\r\n\r\n`],
  ['duplicate Content-Length, different values', `${POST}Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}${SMUGGLED}`],
  ['duplicate Content-Length, same value', `${POST}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  ['Content-Length with junk', `${POST}Content-Length: 2x\r\n\r\n{}${SMUGGLED}`],
  ['Content-Length as a list', `${POST}Content-Length: 2, 2\r\n\r\n{}${SMUGGLED}`],
  ['Content-Length with a sign', `${POST}Content-Length: +2\r\n\r\n{}${SMUGGLED}`],
  ['chunked not the final coding', `${POST}Transfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['an unknown transfer coding', `${POST}Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['Transfer-Encoding twice', `${POST}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['chunked with obs-fold', `${POST}Transfer-Encoding: chunked\r\n x\r\n\r\n2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['obs-fold in any header', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: a\r\n b\r\n\r\n${SMUGGLED}`],
  ['a bare CR in a header value', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: a\rb\r\n\r\n`],
  ['a bare LF in a header value', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: a\nTransfer-Encoding: chunked\r\n\r\n`],
  ['NUL in a header value', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: a\u0000b\r\n\r\n`],
  ['another control character in a header value', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: a\u0001b\r\n\r\n`],
  ['whitespace before the colon', `${POST}Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['bare LF line endings', `GET /v1/items HTTP/1.1\nHost: gw\n\n`],
  ['a malformed chunk size', `${POST}Transfer-Encoding: chunked\r\n\r\n2x\r\n{}\r\n0\r\n\r\n`],
];

/** Variants Node's parser accepts that two parsers could still read differently: refused by src/gateway/smuggling.ts. */
const gatewayRefused: [string, string][] = [
  ['a transfer coding before chunked', `${POST}Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['Transfer-Encoding in an HTTP/1.0 request', `POST /v1/items HTTP/1.0\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
  ['two Host headers', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nHost: internal.example\r\n\r\n`],
];

describe('request smuggling is refused before any policy runs', () => {
  it.each(parserRefused)('%s: 400 from the parser, nothing reaches the upstream', async (name, raw) => {
    const answer = await sendRaw(gw.url, raw);
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ status: 400, code: name.startsWith('bare LF') ? 'GH_REQUEST_MALFORMED' : 'GH_REQUEST_SMUGGLING' });
    // Exactly one answer: the smuggled request was never parsed as a second one.
    expect(answer.text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each(gatewayRefused)('%s: 400 GH_REQUEST_SMUGGLING, nothing reaches the upstream', async (_name, raw) => {
    const answer = await sendRaw(gw.url, raw);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'GH_REQUEST_SMUGGLING' });
    expect(answer.text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('the legitimate twins pass', () => {
  const twins: [string, string, number][] = [
    ['one Content-Length', `${POST}Content-Length: 2\r\nConnection: close\r\n\r\n{}`, 201],
    ['Content-Length with optional whitespace', `${POST}Content-Length:  2 \r\nConnection: close\r\n\r\n{}`, 201],
    ['Transfer-Encoding: chunked alone', `${POST}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n`, 201],
    ['chunked in capitals', `${POST}Transfer-Encoding: CHUNKED\r\nConnection: close\r\n\r\n1\r\n{\r\n1\r\n}\r\n0\r\n\r\n`, 201],
    ['a chunk extension', `${POST}Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2;x=1\r\n{}\r\n0\r\n\r\n`, 201],
    ['a header value with a tab and obs-text', `GET /v1/items HTTP/1.1\r\nHost: gw\r\nX-Note: a\tb \u00e9\r\nConnection: close\r\n\r\n`, 200],
  ];
  it.each(twins)('%s', async (_name, raw, status) => {
    const answer = await sendRaw(gw.url, raw);
    expect(answer.status).toBe(status);
    expect(upstream.requests).toHaveLength(1);
    if (raw.startsWith('POST')) {
      expect(upstream.requests[0]?.body).toBe('{}');
      // The body is re-framed with one Content-Length; no Transfer-Encoding goes upstream.
      expect(upstream.requests[0]?.headers['content-length']).toBe('2');
      expect(upstream.requests[0]?.headers['transfer-encoding']).toBeUndefined();
    }
  });

  it('pipelined valid requests on one connection are each answered', async () => {
    const answer = await sendRaw(gw.url, 'GET /v1/items HTTP/1.1\r\nHost: gw\r\n\r\nGET /v1/items HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');
    expect(answer.text.match(/HTTP\/1\.1 200/g)?.length).toBe(2);
    expect(upstream.requests).toHaveLength(2);
  });
});
