import { createHash, randomBytes } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/*
 * A WebSocket echo upstream and a raw client, written from RFC 6455 so the tests see every byte:
 * the handshake's status and headers, each frame, the close code.
 */

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface Frame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Reads frames from a byte stream (masked or not). */
export class FrameReader {
  private buffered = Buffer.alloc(0);
  readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];

  push(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      if (this.buffered.length < 2) return;
      const b1 = this.buffered[1] as number;
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) { if (this.buffered.length < 4) return; length = this.buffered.readUInt16BE(2); offset = 4; }
      else if (length === 127) { if (this.buffered.length < 10) return; length = Number(this.buffered.readBigUInt64BE(2)); offset = 10; }
      const masked = (b1 & 0x80) !== 0;
      const mask = masked ? this.buffered.subarray(offset, offset + 4) : undefined;
      if (masked) offset += 4;
      if (this.buffered.length < offset + length) return;
      const payload = Buffer.from(this.buffered.subarray(offset, offset + length));
      if (mask !== undefined) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
      this.frames.push({ opcode: (this.buffered[0] as number) & 0x0f, payload });
      this.buffered = this.buffered.subarray(offset + length);
      for (const w of this.waiters.splice(0)) w();
    }
  }

  async next(timeoutMs = 5000): Promise<Frame | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.frames.shift();
  }
}

export function frame(opcode: number, payload: Buffer | string, masked: boolean, fin = true): Buffer {
  const data = Buffer.from(payload);
  const length = data.length;
  const head = length < 126 ? Buffer.from([0, length]) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (length >= 126 && length < 65536) { head[1] = 126; head.writeUInt16BE(length, 2); }
  else if (length >= 65536) { head[1] = 127; head.writeBigUInt64BE(BigInt(length), 2); }
  if (!masked) return Buffer.concat([head, data]);
  head[1] = (head[1] as number) | 0x80;
  const mask = randomBytes(4);
  const body = Buffer.from(data);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([head, mask, body]);
}

export interface WsUpstream {
  readonly url: string;
  /** Handshake request headers as the upstream saw them. */
  readonly handshakes: IncomingHttpHeaders[];
  readonly sockets: Set<Socket>;
  close(): Promise<void>;
}

/** An upstream that accepts every WebSocket handshake and echoes each text or binary frame. */
export async function startWsUpstream(): Promise<WsUpstream> {
  const handshakes: IncomingHttpHeaders[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((_req, res) => { res.writeHead(426); res.end(); });
  server.on('upgrade', (req, socket: Socket) => {
    handshakes.push(req.headers);
    const accept = createHash('sha1').update(`${String(req.headers['sec-websocket-key'])}${GUID}`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      for (const f of reader.frames.splice(0)) {
        if (f.opcode === 8) { socket.end(frame(8, f.payload.subarray(0, 2), false)); return; }
        if (f.opcode === 1 || f.opcode === 2) socket.write(frame(f.opcode, f.payload, false));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    handshakes,
    sockets,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export interface Handshake {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly socket?: Socket;
  readonly reader?: FrameReader;
}

/** A WebSocket handshake from a raw client: the upgraded socket on 101, else the refusal. */
export function handshake(url: string, headers: Record<string, string> = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': randomBytes(16).toString('base64'), 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits', ...headers },
      agent: false,
    });
    req.on('upgrade', (res, socket: Socket, head: Buffer) => {
      const reader = new FrameReader();
      if (head.length > 0) reader.push(head);
      socket.on('data', (chunk: Buffer) => reader.push(chunk));
      socket.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', socket, reader });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The close code of a close frame. */
export function closeCode(f: Frame | undefined): number {
  return f !== undefined && f.opcode === 8 && f.payload.length >= 2 ? f.payload.readUInt16BE(0) : -1;
}
