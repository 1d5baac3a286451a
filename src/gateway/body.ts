import type { IncomingMessage } from 'node:http';
import type { Denial } from '../errors/index.js';
import { http2HasBody, isHttp2 } from './http2.js';

const TOO_LARGE = (limit: number): Denial => ({ code: 'GH_REQUEST_BODY_TOO_LARGE', detail: `the limit is ${limit} bytes` });

/**
 * Reads a request body up to `limit` bytes. A declared Content-Length over the limit is refused
 * before a byte is read; a chunked body is refused as soon as it crosses the limit.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | Denial> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.resolve(TOO_LARGE(limit));
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (result: Buffer | Denial): void => {
      if (done) return;
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(TOO_LARGE(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    const onError = (): void => finish({ code: 'GH_REQUEST_MALFORMED', detail: 'the request body could not be read' });
    const onAborted = (): void => finish({ code: 'GH_REQUEST_MALFORMED', detail: 'the client aborted the request body' });
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function isDenial(value: Buffer | Denial): value is Denial {
  return !Buffer.isBuffer(value);
}

/**
 * A body is present when framing says so (RFC 9112 §6.3): a non-zero Content-Length or chunked.
 * In HTTP/2 a body needs no Content-Length: it is there unless the HEADERS frame ended the stream.
 */
export function hasBody(req: IncomingMessage): boolean {
  const headers = req.headers;
  const length = headers['content-length'];
  if (length !== undefined) return length !== '0';
  if (headers['transfer-encoding'] !== undefined) return true;
  // Only a request that came over HTTP/2 has a stream: an HTTP/1 request line saying HTTP/2.0
  // reports version 2 too, and is refused (505) without one.
  return isHttp2(req) && http2HasBody(req);
}
