import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Denial } from '../errors/index.js';

/*
 * Request-smuggling defences (RFC 9112 §6, §3.2). Node's parser (llhttp, strict mode) already
 * refuses Content-Length together with Transfer-Encoding, duplicate or non-numeric Content-Length,
 * obs-fold, CR/LF/NUL and other control characters in fields, whitespace before the colon and
 * unknown codings after `chunked`; those never reach the handler (see `answerClientError`).
 * What llhttp lets through and a front end and a back end could still read differently is
 * checked here, before any policy runs.
 */

const smuggling = (detail: string): Denial => ({ code: 'GH_REQUEST_SMUGGLING', detail });

const CL_AND_TE = smuggling('Content-Length and Transfer-Encoding together');
const TE_NOT_CHUNKED = smuggling('the only transfer coding accepted is a single "chunked"');
const TE_HTTP10 = smuggling('Transfer-Encoding in an HTTP/1.0 request');
const CL_INVALID = smuggling('Content-Length must be one decimal number');
const DUPLICATE_CL = smuggling('more than one Content-Length');
const DUPLICATE_TE = smuggling('more than one Transfer-Encoding');
const DUPLICATE_HOST = smuggling('more than one Host');
const UNDERSCORE = smuggling('Content_Length and Transfer_Encoding are read as the framing headers by CGI-style servers');
const DIGITS = /^\d+$/;

/**
 * Refuses framing that two HTTP parsers could read differently. Cost on a plain GET: two header
 * lookups and one pass over the raw header names comparing lengths.
 */
export function framingProblem(req: IncomingMessage): Denial | undefined {
  const headers = req.headers;
  const te = headers['transfer-encoding'];
  const cl = headers['content-length'];
  if (te !== undefined) {
    // §6.1: Transfer-Encoding overrides Content-Length, but a sender of both may be smuggling.
    if (cl !== undefined) return CL_AND_TE;
    // §6.1: an HTTP/1.0 recipient does not know chunked; the framing must be treated as faulty.
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) return TE_HTTP10;
    // `gzip, chunked` is valid HTTP but no upstream we front expects it, and a proxy that drops the
    // inner coding changes the body length: accept only what every parser agrees on.
    if (te.length !== 7 || te.toLowerCase() !== 'chunked') return TE_NOT_CHUNKED;
  } else if (cl !== undefined && !DIGITS.test(cl)) {
    return CL_INVALID;
  }
  return duplicateFraming(req.rawHeaders);
}

/**
 * Node keeps the first Host and joins or drops repeated framing headers; a back end that keeps the
 * last one routes or frames the message differently (§3.2: a request with two Host fields is 400).
 * The same names spelled with underscores are refused as well: CGI, WSGI and Rack servers map
 * `Content_Length` to CONTENT_LENGTH like the real header, and Node would forward it as an
 * ordinary field.
 */
function duplicateFraming(raw: readonly string[]): Denial | undefined {
  let host = 0;
  let cl = 0;
  let te = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const n = name.length;
    if (n === 4) {
      if (name.toLowerCase() === 'host' && ++host > 1) return DUPLICATE_HOST;
    } else if (n === 14) {
      const lower = name.toLowerCase();
      if (lower === 'content-length' && ++cl > 1) return DUPLICATE_CL;
      if (lower === 'content_length') return UNDERSCORE;
    } else if (n === 17) {
      const lower = name.toLowerCase();
      if (lower === 'transfer-encoding' && ++te > 1) return DUPLICATE_TE;
      if (lower === 'transfer_encoding') return UNDERSCORE;
    }
  }
  return undefined;
}

interface ParserError extends Error {
  code?: string;
  bytesParsed?: number;
}

/** The code and status for a request Node's parser refused before our handler saw it. */
function classify(error: ParserError): { status: number; code: string; title: string } {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: 'GH_REQUEST_HEADERS_TOO_LARGE', title: 'Request Header Fields Too Large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, code: 'GH_REQUEST_TIMEOUT', title: 'Request Timeout' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_HEADER_TOKEN':
    case 'HPE_LF_EXPECTED':
    case 'HPE_CR_EXPECTED':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { status: 400, code: 'GH_REQUEST_SMUGGLING', title: 'Bad Request' };
    default:
      return { status: 400, code: 'GH_REQUEST_MALFORMED', title: 'Bad Request' };
  }
}

/**
 * The listener's `clientError` handler: answers a request the parser refused with a short
 * problem+json (Node's default is an empty 400) and closes the connection, since the rest of
 * the stream cannot be trusted to be framed the way we think. Returns what it sent, undefined
 * when it could only cut the connection.
 */
export function answerClientError(error: ParserError, socket: Duplex): { status: number; code: string } | undefined {
  // Like Node's default handler: never write into a response already under way on this socket.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (error.code === 'HPE_CLOSED_CONNECTION') {
    // Bytes after a request that closes the connection (Connection: close, HTTP/1.0): never read
    // as a request. The answer to that request, still being made, goes out and closes the
    // connection itself; a 400 written now would take its place.
    if (inFlight === undefined || inFlight === null) socket.destroy();
    return;
  }
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return undefined;
  }
  const { status, code, title } = classify(error);
  const body = JSON.stringify({ type: `https://gatehouse.dev/problems/${code.toLowerCase().replaceAll('_', '-')}`, title, status, code });
  socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\ncache-control: no-store\r\nconnection: close\r\n\r\n${body}`);
  return { status, code };
}
