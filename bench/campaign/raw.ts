/**
 * Malformed requests written byte by byte on a raw socket, where no HTTP client would let them
 * through: broken request lines, header injection, request smuggling (CL/TE disagreements and
 * their obfuscations), bad chunked framing, invalid UTF-8 and oversized headers. Each case is
 * sent on its own connection, the write side is closed, and every status line that comes back is
 * read (a smuggled second request shows up as a second answer).
 */
import { connect } from 'node:net';

export interface RawCase {
  readonly name: string;
  readonly bytes: Buffer;
}

export interface RawOutcome {
  /** The status of every response on the connection, in order (empty: closed without one). */
  readonly statuses: number[];
  readonly timedOut: boolean;
  /** What came back (the first 200 KB), for the checks on what an answer may carry. */
  readonly text: string;
}

const CRLF = '\r\n';

/** A request from lines joined with CRLF, with a blank line after the headers, then `body`. */
function req(lines: string[], body: string | Buffer = ''): Buffer {
  return Buffer.concat([Buffer.from(lines.join(CRLF) + CRLF + CRLF, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
}

/**
 * The cases, for a target whose `readPath` is a GET the gateway forwards and `writePath` a JSON
 * POST it validates (`body` a valid one); `hidden` is a path that must never be reached by
 * smuggling (an undeclared route the upstream serves).
 */
export function rawCases(t: { host: string; readPath: string; writePath: string; body: string; auth: string; hidden: string }): RawCase[] {
  const host = `Host: ${t.host}`;
  const auth = t.auth === '' ? [] : [t.auth];
  const json = ['Content-Type: application/json', ...auth];
  const smuggled = `GET ${t.hidden} HTTP/1.1${CRLF}${host}${CRLF}${CRLF}`;
  const cases: RawCase[] = [];
  const add = (name: string, bytes: Buffer): void => { cases.push({ name, bytes }); };
  const post = (name: string, headers: string[], body: string | Buffer): void => add(name, req([`POST ${t.writePath} HTTP/1.1`, host, ...json, ...headers], body));

  // Request lines.
  for (const line of [
    'GET', `GET ${t.readPath}`, `GET ${t.readPath} HTTP/0.9`, `GET ${t.readPath} HTTP/1.2`, `GET ${t.readPath} HTTP/2.0`, `GET ${t.readPath} HTTP/9.9`,
    `GET ${t.readPath} HTTPS/1.1`, `GET ${t.readPath} http/1.1`, `GET ${t.readPath} HTTP/1.1 extra`, `GET  ${t.readPath} HTTP/1.1`, `GET\t${t.readPath}\tHTTP/1.1`,
    `get ${t.readPath} HTTP/1.1`, `G\u0000ET ${t.readPath} HTTP/1.1`, `GE T ${t.readPath} HTTP/1.1`, `${'A'.repeat(300)} ${t.readPath} HTTP/1.1`,
    `GET ${t.readPath}?a=b c HTTP/1.1`, `GET ${t.readPath}#frag HTTP/1.1`, `GET http://evil.example${t.readPath} HTTP/1.1`, `GET //evil.example${t.readPath} HTTP/1.1`,
    `CONNECT ${t.host} HTTP/1.1`, 'OPTIONS * HTTP/1.1', 'GET * HTTP/1.1', `GET ${t.readPath}\u0001 HTTP/1.1`, `GET ${t.readPath}\u007f HTTP/1.1`,
    `GET /${'a'.repeat(70_000)} HTTP/1.1`, `GET ${t.readPath}?${'q=1&'.repeat(20_000)} HTTP/1.1`, 'GET ../../../etc/passwd HTTP/1.1', `GET /..%2f..%2f..%2fetc/passwd HTTP/1.1`,
    ` GET ${t.readPath} HTTP/1.1`, `TRACE ${t.readPath} HTTP/1.1`, `PRI * HTTP/2.0`,
  ]) add(`request line ${JSON.stringify(line.slice(0, 60))}`, req([line, host]));
  add('bare LF line endings', Buffer.from(`GET ${t.readPath} HTTP/1.1\n${host}\n\n`, 'latin1'));
  add('bare CR line endings', Buffer.from(`GET ${t.readPath} HTTP/1.1\r${host}\r\r`, 'latin1'));
  add('no blank line, then EOF', Buffer.from(`GET ${t.readPath} HTTP/1.1${CRLF}${host}${CRLF}`, 'latin1'));
  add('empty request', Buffer.alloc(0));
  add('only CRLFs', Buffer.from(CRLF.repeat(50), 'latin1'));
  add('TLS client hello on the plain port', Buffer.from('16030100a5010000a10303', 'hex'));
  add('HTTP/2 preface on an HTTP/1 port', Buffer.from(`PRI * HTTP/2.0${CRLF}${CRLF}SM${CRLF}${CRLF}`, 'latin1'));

  // Headers and header injection.
  for (const header of [
    'Foo Bar: x', 'Foo: bar\rInjected: yes', 'Foo: bar\u0000baz', 'Foo\u0000: x', ': empty-name', 'NoColonHere', 'Foo : space-before-colon',
    ' Folded: continuation', 'Foo: x\r\n continued', 'X-Ünïcode: x', `X-Big: ${'x'.repeat(70_000)}`, 'Host: other.example',
    'Host: user@evil.example', 'Host: evil.example:99999', 'Content-Length: 0\u0000', 'X-Forwarded-For: 127.0.0.1\r\nX-Injected: 1',
    'X-Gatehouse-Subject: admin', 'X-Gatehouse-Roles: admin', 'Expect: 100-continue-please', 'Expect: 100-continue', 'Connection: Upgrade, keep-alive\r\nUpgrade: websocket',
    'Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA', 'Authorization: Bearer', 'Authorization: Bearer a.b', 'Authorization: Basic YWRtaW46YWRtaW4=',
    `Cookie: ${'c=1; '.repeat(5000)}`, 'Accept-Encoding: ' + 'gzip, '.repeat(3000), 'Content-Type: application/json\r\nContent-Type: text/plain',
  ]) add(`header ${JSON.stringify(header.slice(0, 50))}`, req([`GET ${t.readPath} HTTP/1.1`, host, ...auth, header]));
  add('no Host header on HTTP/1.1', req([`GET ${t.readPath} HTTP/1.1`, ...auth]));
  add('two Host headers', req([`GET ${t.readPath} HTTP/1.1`, host, 'Host: evil.example', ...auth]));
  add('HTTP/1.0 without Host', req([`GET ${t.readPath} HTTP/1.0`, ...auth]));
  add('200 headers of 1 KiB', req([`GET ${t.readPath} HTTP/1.1`, host, ...auth, ...Array.from({ length: 200 }, (_, n) => `X-H${n}: ${'v'.repeat(1000)}`)]));
  add('5000 tiny headers', req([`GET ${t.readPath} HTTP/1.1`, host, ...auth, ...Array.from({ length: 5000 }, (_, n) => `a${n}: b`)]));
  add('a 1 MiB header section', req([`GET ${t.readPath} HTTP/1.1`, host, ...auth, `X-Huge: ${'h'.repeat(1 << 20)}`]));

  // Request smuggling: the framing the gateway reads must be the framing the upstream reads.
  const body = `0${CRLF}${CRLF}${smuggled}`;
  for (const [name, headers] of [
    ['CL and TE both', [`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked']],
    ['TE and CL both', ['Transfer-Encoding: chunked', `Content-Length: ${body.length}`]],
    ['TE chunked twice', ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked']],
    ['TE chunked, identity', ['Transfer-Encoding: chunked, identity']],
    ['TE identity, chunked', ['Transfer-Encoding: identity, chunked', `Content-Length: ${body.length}`]],
    ['TE with space before colon', ['Transfer-Encoding : chunked', `Content-Length: ${body.length}`]],
    ['TE with a tab', ['Transfer-Encoding:\tchunked', `Content-Length: ${body.length}`]],
    ['TE xchunked', ['Transfer-Encoding: xchunked', `Content-Length: ${body.length}`]],
    ['TE Chunked (case)', ['Transfer-Encoding: Chunked', `Content-Length: ${body.length}`]],
    ['TE chunked with trailing junk', ['Transfer-Encoding: chunked;q=1', `Content-Length: ${body.length}`]],
    ['TE folded', ['Transfer-Encoding:', ' chunked', `Content-Length: ${body.length}`]],
    ['TE with vertical tab', ['Transfer-Encoding:\u000bchunked', `Content-Length: ${body.length}`]],
    ['TE gzip, chunked', ['Transfer-Encoding: gzip, chunked']],
    ['two different Content-Lengths', [`Content-Length: ${body.length}`, 'Content-Length: 0']],
    ['Content-Length list', [`Content-Length: ${body.length}, 0`]],
    ['Content-Length +N', [`Content-Length: +${body.length}`]],
    ['Content-Length -1', ['Content-Length: -1']],
    ['Content-Length hex', [`Content-Length: 0x${body.length.toString(16)}`]],
    ['Content-Length with spaces inside', [`Content-Length: ${String(body.length).split('').join(' ')}`]],
    ['Content-Length beyond 2^53', ['Content-Length: 99999999999999999999']],
  ] as [string, string[]][]) add(`smuggling: ${name}`, req([`POST ${t.writePath} HTTP/1.1`, host, ...json, ...headers], body));
  add('smuggling: TE on HTTP/1.0', req([`POST ${t.writePath} HTTP/1.0`, host, ...json, 'Transfer-Encoding: chunked'], body));
  add('smuggling: body on a GET with CL, then a second request', req([`GET ${t.readPath} HTTP/1.1`, host, ...auth, `Content-Length: ${smuggled.length}`], smuggled));
  add('pipelined: valid request then smuggled one', Buffer.concat([req([`GET ${t.readPath} HTTP/1.1`, host, ...auth]), Buffer.from(smuggled, 'latin1')]));

  // Chunked framing.
  const chunk = (size: string, data: string, tail = `0${CRLF}${CRLF}`): string => `${size}${CRLF}${data}${CRLF}${tail}`;
  for (const [name, framed] of [
    ['size not hex', chunk('zz', t.body)],
    ['size with 0x', chunk(`0x${t.body.length.toString(16)}`, t.body)],
    ['negative size', chunk('-5', t.body)],
    ['size overflows 64 bits', chunk('f'.repeat(20), t.body)],
    ['size larger than the data', chunk((t.body.length + 50).toString(16), t.body)],
    ['size smaller than the data', chunk((Math.max(1, t.body.length - 5)).toString(16), t.body)],
    ['size with trailing space', chunk(`${t.body.length.toString(16)} `, t.body)],
    ['size with leading space', chunk(` ${t.body.length.toString(16)}`, t.body)],
    ['extension with junk', chunk(`${t.body.length.toString(16)};ext="\u0000"`, t.body)],
    ['bare LF after size', `${t.body.length.toString(16)}\n${t.body}${CRLF}0${CRLF}${CRLF}`],
    ['missing CRLF after data', `${t.body.length.toString(16)}${CRLF}${t.body}0${CRLF}${CRLF}`],
    ['no last chunk', `${t.body.length.toString(16)}${CRLF}${t.body}${CRLF}`],
    ['trailer with Content-Length', chunk(t.body.length.toString(16), t.body, `0${CRLF}Content-Length: 5${CRLF}${CRLF}`)],
    ['trailer injecting a header line', chunk(t.body.length.toString(16), t.body, `0${CRLF}X-Gatehouse-Subject: admin${CRLF}${CRLF}`)],
    ['10000 one-byte chunks', `${t.body.split('').map((c) => `1${CRLF}${c}${CRLF}`).join('')}${'1\r\n \r\n'.repeat(10_000)}0${CRLF}${CRLF}`],
  ] as [string, string][]) post(`chunked: ${name}`, ['Transfer-Encoding: chunked'], framed);

  // Bodies that are not what they claim.
  post('body shorter than Content-Length', [`Content-Length: ${t.body.length + 100}`], t.body);
  post('body longer than Content-Length', [`Content-Length: ${Math.max(1, t.body.length - 3)}`], t.body);
  const utf8 = (name: string, bytes: Buffer): void => post(`utf-8: ${name}`, [`Content-Length: ${bytes.length}`], bytes);
  const inJson = (raw: Buffer): Buffer => Buffer.concat([Buffer.from(t.body.slice(0, -1) + ',"note":"', 'latin1'), raw, Buffer.from('"}', 'latin1')]);
  utf8('byte-order mark before JSON', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t.body)]));
  utf8('overlong "/" (C0 AF)', inJson(Buffer.from([0xc0, 0xaf])));
  utf8('lone continuation byte', inJson(Buffer.from([0x80])));
  utf8('truncated sequence', inJson(Buffer.from([0xe2, 0x82])));
  utf8('encoded surrogate (ED A0 80)', inJson(Buffer.from([0xed, 0xa0, 0x80])));
  utf8('bytes FE FF', inJson(Buffer.from([0xfe, 0xff])));
  utf8('escaped lone surrogate', inJson(Buffer.from('\\ud800', 'latin1')));
  utf8('UTF-16 body', Buffer.from(t.body, 'utf16le'));
  utf8('NUL in JSON', inJson(Buffer.from([0x00])));
  utf8('duplicate key', Buffer.from(t.body.replace(/^\{/, '{"userId":99999,'), 'latin1'));
  utf8('deeply nested', Buffer.from(`${'['.repeat(100_000)}${']'.repeat(100_000)}`, 'latin1'));
  utf8('number beyond double precision', Buffer.from(t.body.replace(/:(\d+)/, ':1e400'), 'latin1'));
  add('utf-8: invalid bytes in the path', Buffer.concat([Buffer.from('GET /api/', 'latin1'), Buffer.from([0xc0, 0xae, 0xff]), Buffer.from(` HTTP/1.1${CRLF}${host}${CRLF}${auth.map((a) => a + CRLF).join('')}${CRLF}`, 'latin1')]));
  add('utf-8: invalid bytes in a header value', Buffer.concat([Buffer.from(`GET ${t.readPath} HTTP/1.1${CRLF}${host}${CRLF}${auth.map((a) => a + CRLF).join('')}X-Name: `, 'latin1'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`${CRLF}${CRLF}`, 'latin1')]));
  add('utf-8: percent-encoded overlong dot-dot', req([`GET /api/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd HTTP/1.1`, host, ...auth]));
  add('percent-encoding cut short', req([`GET ${t.readPath}%2 HTTP/1.1`, host, ...auth]));
  add('percent-encoded NUL in the path', req([`GET ${t.readPath}%00.json HTTP/1.1`, host, ...auth]));
  add('encoded slash in an id', req([`GET ${t.readPath.replace(/\d+$/, '1%2f..%2f2')} HTTP/1.1`, host, ...auth]));
  return cases;
}

/**
 * The status of each response in a byte stream, read one after the other by their framing
 * (Content-Length, chunked, or none for 1xx, 204 and 304), as a client would; stops at what it
 * cannot frame.
 */
export function responseStatuses(stream: string): number[] {
  const out: number[] = [];
  let at = 0;
  while (at < stream.length) {
    const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(stream.slice(at, at + 200));
    const end = stream.indexOf('\r\n\r\n', at);
    if (head === null || end === -1) break;
    const status = Number(head[1]);
    out.push(status);
    const headers = stream.slice(at, end).toLowerCase();
    at = end + 4;
    if (status < 200 || status === 204 || status === 304) continue;
    const length = /\r\ncontent-length:\s*(\d+)/.exec(headers);
    if (length !== null) {
      at += Number(length[1]);
    } else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(headers)) {
      for (;;) {
        const line = stream.indexOf('\r\n', at);
        if (line === -1) return out;
        const size = parseInt(stream.slice(at, line), 16);
        if (Number.isNaN(size)) return out;
        at = line + 2 + size + 2;
        if (size === 0) break;
      }
    } else {
      break; // the body runs to the end of the connection
    }
  }
  return out;
}

/** A GET carrying `Authorization: Bearer TOKEN` exactly as given, whatever a client library would refuse. */
export function bearerRequest(path: string, token: string): Buffer {
  return Buffer.concat([Buffer.from(`GET ${path} HTTP/1.1${CRLF}Host: 127.0.0.1${CRLF}Authorization: Bearer `, 'latin1'), Buffer.from(token, 'utf8'), Buffer.from(`${CRLF}Connection: close${CRLF}${CRLF}`, 'latin1')]);
}

/**
 * Sends one case on its own connection and reads every status line. The connection stays open
 * while answers come (a server may abort what is in flight when its client half-closes): once
 * something came back and the line is quiet for `quietMs`, the answers are in; if nothing comes
 * back within `timeoutMs`, the write side is closed (the server may be waiting for a body that
 * will never come) and what follows is read for a little longer.
 */
export function sendRaw(url: string, bytes: Buffer, timeoutMs: number, quietMs = 500): Promise<RawOutcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    let done = false;
    let halfClosed = false;
    let timer: NodeJS.Timeout;
    const finish = (timedOut: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ statuses: responseStatuses(received), timedOut, text: received });
    };
    const wait = (ms: number, then: () => void): void => {
      clearTimeout(timer);
      timer = setTimeout(then, ms);
    };
    const silence = (): void => {
      if (received !== '' || halfClosed) return finish(received === '');
      halfClosed = true;
      socket.end();
      wait(Math.min(2_000, timeoutMs), silence);
    };
    wait(timeoutMs, silence);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      if (received.length < 200_000) received += chunk;
      // An interim 100 Continue is not the answer: keep the full wait for the final one.
      wait(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n$/.test(received) ? timeoutMs : quietMs, silence);
    });
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => { socket.write(bytes); });
  });
}
