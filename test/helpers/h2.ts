import { connect as h2connect, type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader, type OutgoingHttpHeaders } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface Sent {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string | string[]>;
  /** Sent as given; over HTTP/1.1 a body without content-length goes chunked, over HTTP/2 without one at all. */
  readonly body?: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly trailers: Record<string, string | string[] | undefined>;
  /** The stream was reset instead of answered (HTTP/2). */
  readonly rstCode?: number;
}

/** A client of one protocol: `send` makes one request and reads its whole answer. */
export interface Transport {
  readonly name: string;
  send(request: Sent): Promise<Answer>;
  close(): Promise<void>;
}

/** One HTTP/2 request on a session. */
export function h2Send(session: ClientHttp2Session, sent: Sent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: OutgoingHttpHeaders = { ':method': sent.method ?? 'GET', ':path': sent.path, ...sent.headers };
    const stream = session.request(headers, { endStream: sent.body === undefined });
    let status = 0;
    let responseHeaders: Answer['headers'] = {};
    let trailers: Answer['trailers'] = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h: IncomingHttpHeaders & IncomingHttpStatusHeader) => {
      status = Number(h[':status']);
      responseHeaders = { ...h };
    });
    stream.on('trailers', (t: IncomingHttpHeaders) => { trailers = { ...t }; });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('error', (error) => { if (status === 0) resolve({ status: 0, headers: {}, body: '', trailers: {}, rstCode: stream.rstCode ?? -1 }); else reject(error); });
    stream.on('close', () => resolve({ status, headers: responseHeaders, body: Buffer.concat(chunks).toString('utf8'), trailers, ...(status === 0 ? { rstCode: stream.rstCode ?? -1 } : {}) }));
    if (sent.body !== undefined) stream.end(sent.body);
  });
}

/** HTTP/2 over TLS (ALPN h2), or cleartext with prior knowledge (h2c). */
export async function h2Transport(url: string, ca?: Buffer): Promise<Transport & { session: ClientHttp2Session }> {
  const session = h2connect(url, ca === undefined ? {} : { ca });
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  return {
    name: url.startsWith('https') ? 'HTTP/2 (TLS)' : 'HTTP/2 (h2c)',
    session,
    send: (sent) => h2Send(session, sent),
    close: () => new Promise((resolve) => session.close(() => resolve())),
  };
}

/** HTTP/1.1 over TLS, a new connection per request; Host first, as browsers and undici send it. */
export function h1TlsTransport(port: number, ca: Buffer): Transport {
  return {
    name: 'HTTP/1.1 (TLS)',
    send: (sent) => new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: sent.path, method: sent.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...sent.headers }, ca, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), trailers: res.trailers }));
      });
      req.on('error', reject);
      req.end(sent.body);
    }),
    close: () => Promise.resolve(),
  };
}

/**
 * A raw HTTP/2 connection that writes frames byte by byte, for what node:http2's client refuses
 * to send (connection-specific fields, repeated Content-Length, TE: gzip). Header blocks are HPACK
 * literals without indexing, no Huffman (RFC 7541 §6.2.2): any server must read them.
 */
export class RawH2 {
  private buffered = Buffer.alloc(0);
  readonly frames: { type: number; flags: number; stream: number; payload: Buffer }[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      while (this.buffered.length >= 9) {
        const length = this.buffered.readUIntBE(0, 3);
        if (this.buffered.length < 9 + length) break;
        const frame = { type: this.buffered[3] as number, flags: this.buffered[4] as number, stream: this.buffered.readUInt32BE(5) & 0x7fffffff, payload: this.buffered.subarray(9, 9 + length) };
        this.frames.push(frame);
        // The server's SETTINGS are acknowledged, as any client must (RFC 9113 §6.5.3).
        if (frame.type === 0x4 && (frame.flags & 0x1) === 0) this.frame(0x4, 0x1, 0, Buffer.alloc(0));
        this.buffered = this.buffered.subarray(9 + length);
      }
    });
    socket.on('error', () => undefined);
  }

  static async open(port: number, tls: { ca: Buffer } | undefined): Promise<RawH2> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = tls === undefined
        ? netConnect({ host: '127.0.0.1', port }, () => resolve(s))
        : tlsConnect({ host: '127.0.0.1', port, ca: tls.ca, ALPNProtocols: ['h2'], servername: 'localhost' }, () => resolve(s));
      s.once('error', reject);
    });
    const raw = new RawH2(socket);
    socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    raw.frame(0x4, 0, 0, Buffer.alloc(0));
    return raw;
  }

  frame(type: number, flags: number, stream: number, payload: Buffer): void {
    const head = Buffer.alloc(9);
    head.writeUIntBE(payload.length, 0, 3);
    head[3] = type;
    head[4] = flags;
    head.writeUInt32BE(stream, 5);
    this.socket.write(Buffer.concat([head, payload]));
  }

  /** HEADERS with END_HEADERS (and END_STREAM unless a body follows). */
  headers(stream: number, fields: [string, string][], endStream = true): void {
    const parts: Buffer[] = [];
    for (const [name, value] of fields) parts.push(Buffer.from([0x00]), hpackString(name), hpackString(value));
    this.frame(0x1, 0x4 | (endStream ? 0x1 : 0), stream, Buffer.concat(parts));
  }

  data(stream: number, body: string, endStream = true): void {
    this.frame(0x0, endStream ? 0x1 : 0, stream, Buffer.from(body));
  }

  /** Waits until a frame matching `test` has arrived (or the connection closed). */
  async until(test: (f: RawH2['frames'][number]) => boolean, ms = 3000): Promise<RawH2['frames'][number] | undefined> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const found = this.frames.find(test);
      if (found !== undefined) return found;
      if (this.socket.destroyed) return undefined;
      await new Promise((r) => setTimeout(r, 10));
    }
    return undefined;
  }

  close(): void {
    this.socket.destroy();
  }
}

function hpackString(text: string): Buffer {
  const bytes = Buffer.from(text, 'latin1');
  if (bytes.length < 127) return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  // 7-bit prefix integer (RFC 7541 §5.1) for longer strings.
  const out = [127];
  let rest = bytes.length - 127;
  while (rest >= 128) { out.push((rest & 0x7f) | 0x80); rest >>= 7; }
  out.push(rest);
  return Buffer.concat([Buffer.from(out), bytes]);
}
