import {
  constants,
  createSecureServer,
  createServer as createH2cServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
  type Http2Stream,
  type SecureServerOptions,
  type ServerHttp2Session,
  type ServerOptions,
} from 'node:http2';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import type { Http2Limits } from '../config/protocols.js';
import type { LimitsConfig } from '../config/types.js';
import type { Denial } from '../errors/index.js';
import type { GatewayServices } from './services.js';

/*
 * HTTP/2 on the gateway's listeners (docs/protocols.md). Requests arrive through Node's
 * compatibility API, so the one request pipeline serves HTTP/1.1 and HTTP/2 alike; this module
 * owns what differs: the session settings, the floods HTTP/2 makes possible, and the checks that
 * give an HTTP/2 request exactly one meaning before the pipeline reads it.
 */

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;
/** The pipeline reads both through the HTTP/1 types: the compatibility API mirrors them. */
type Http2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

/** Why the gateway closed a client's HTTP/2 connection (the `reason` label of gatehouse_http2_goaway_total). */
export type Http2Abuse = 'rapid_reset' | 'ping_flood' | 'settings_flood' | 'protocol_error';

/**
 * Session options from the limits: the header list is capped as HTTP/1.1 headers are (bytes and
 * fields, the four pseudo-headers on top), concurrent streams are bounded, push is off, and
 * nghttp2's own counters of invalid frames and refused streams end a session that keeps sending them.
 */
export function http2Options(limits: LimitsConfig): ServerOptions {
  const h2 = limits.http2;
  return {
    settings: { maxConcurrentStreams: h2.maxConcurrentStreams, maxHeaderListSize: limits.maxHeaderBytes, enablePush: false, enableConnectProtocol: false },
    maxHeaderListPairs: limits.maxHeaderCount + 5,
    maxSessionInvalidFrames: 100,
    maxSessionRejectedStreams: 100,
    maxSettings: 32,
    peerMaxConcurrentStreams: h2.maxConcurrentStreams,
  };
}

/** A token bucket per connection: `burst` events at once, refilled at `perSecond`. */
class Budget {
  private tokens: number;
  private last: number;
  constructor(private readonly burst: number, private readonly perSecond: number) {
    this.tokens = burst;
    this.last = performance.now();
  }

  /** Takes one token; false once the budget is spent. */
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The HTTP/2 side of a listener: the sessions it serves, their abuse guards, and how they drain.
 * One per listener that speaks HTTP/2 (the TLS listener when `http2` is on, the h2c listener).
 */
export class Http2Sessions {
  private readonly sessions = new Set<ServerHttp2Session>();
  private readonly refused = new WeakSet<Http2Session>();
  private draining = false;

  private readonly limits: Http2Limits;
  private readonly requestTimeoutMs: number;

  constructor(limits: LimitsConfig, private readonly services: GatewayServices) {
    this.limits = limits.http2;
    this.requestTimeoutMs = limits.requestTimeoutMs;
  }

  /** Watches one new session: floods end it with GOAWAY ENHANCE_YOUR_CALM, idleness with a clean GOAWAY. */
  adopt(session: ServerHttp2Session, socket: Socket | undefined): void {
    const limits = this.limits;
    this.sessions.add(session);
    session.once('close', () => this.sessions.delete(session));
    if (this.draining) {
      session.close();
      return;
    }
    // CVE-2023-44487: a client that opens streams and cancels them at once makes the gateway start
    // work (routing, policies, an upstream request) it never has to wait for, and the stream limit
    // never binds. Every stream the client cancels before its answer is sent spends the budget.
    const resets = new Budget(limits.maxResetsBurst, limits.maxResetsPerSecond);
    const pings = new Budget(limits.maxPingsPerSecond * 2, limits.maxPingsPerSecond);
    const settings = new Budget(limits.maxSettingsPerSecond * 2, limits.maxSettingsPerSecond);
    const requestTimeout = this.requestTimeoutMs;
    session.on('stream', (stream: Http2Stream) => {
      stream.once('aborted', () => {
        if (!resets.take()) this.refuse(session, socket, 'rapid_reset');
      });
      // limits.requestTimeout as HTTP/1.1 has it: a request body trickled in (slowloris) is cut
      // with CANCEL, whatever the frames keeping the connection busy.
      if (requestTimeout > 0 && !stream.readableEnded) {
        const timer = setTimeout(() => {
          if (stream.readableEnded || stream.closed) return;
          this.services.metrics.connectionCuts.labels('body_timeout', '0').inc();
          stream.close(constants.NGHTTP2_CANCEL);
        }, requestTimeout);
        timer.unref();
        const clear = (): void => clearTimeout(timer);
        stream.once('end', clear);
        stream.once('close', clear);
      }
    });
    session.on('ping', () => {
      if (!pings.take()) this.refuse(session, socket, 'ping_flood');
    });
    session.on('remoteSettings', () => {
      if (!settings.take()) this.refuse(session, socket, 'settings_flood');
    });
    session.on('frameError', () => undefined);
    session.on('error', (error: Error & { code?: string }) => {
      // nghttp2 ended the session (invalid frames, a flood it caught itself): counted, not thrown.
      this.services.metrics.http2Goaway.labels('protocol_error').inc();
      this.services.logger.debug({ code: error.code }, 'http/2 session error');
    });
    session.setTimeout(limits.idleTimeoutMs, () => session.close());
  }

  private refuse(session: Http2Session, socket: Socket | undefined, reason: Http2Abuse): void {
    // Once: the frames already read after the budget ran out would count again.
    if (session.destroyed || this.refused.has(session)) return;
    this.refused.add(session);
    this.services.metrics.http2Goaway.labels(reason).inc();
    this.services.logger.warn({ reason, remote: socket?.remoteAddress }, 'http/2 connection closed: abuse');
    // ENHANCE_YOUR_CALM in the GOAWAY (RFC 9113 §7) tells the client why; the socket is cut once
    // the frame is written. destroy() alone ends the socket gracefully (an attacker that keeps
    // writing keeps it open) and its code argument sends NO_ERROR in Node 20.
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
    setImmediate(() => {
      session.destroy();
      socket?.destroy();
    });
  }

  /** Drain: GOAWAY to every session (streams under way finish), new sessions are closed as they come. */
  close(): void {
    this.draining = true;
    for (const session of this.sessions) session.close();
  }

  /** After the grace period: whatever is left is cut. */
  destroy(): void {
    for (const session of this.sessions) session.destroy();
  }
}

/**
 * A session factory for the TLS listener: an HTTP/2 server that never listens itself. The https
 * listener hands it each TLS connection that negotiated `h2`; `http/1.1` connections stay with the
 * https listener, whose HTTP/1.1 handling (limits, parser checks) is untouched by HTTP/2.
 */
export function createH2SessionFactory(limits: LimitsConfig, handler: RequestHandler, sessions: Http2Sessions): NetServer {
  const options: SecureServerOptions = { ...http2Options(limits), allowHTTP1: false };
  const server = createSecureServer(options, handler as unknown as Http2Handler);
  adoptSessions(server, 'secureConnection', sessions);
  return server;
}

/** The cleartext HTTP/2 listener (prior knowledge): no HTTP/1.1 on this port. */
export function createH2cListener(limits: LimitsConfig, handler: RequestHandler, sessions: Http2Sessions): NetServer {
  const server = createH2cServer(http2Options(limits), handler as unknown as Http2Handler);
  server.maxConnections = limits.maxConnections;
  adoptSessions(server, 'connection', sessions);
  return server;
}

/**
 * Hands each new session to `sessions` with its socket. A session exposes its socket only through
 * a proxy that refuses destroy(); the socket is caught as it arrives, just before Node makes the
 * session from it in the same tick.
 */
function adoptSessions(server: NetServer, event: 'connection' | 'secureConnection', sessions: Http2Sessions): void {
  let arriving: Socket | undefined;
  server.prependListener(event, (socket: Socket) => { arriving = socket; });
  server.on('session', (session: ServerHttp2Session) => {
    sessions.adopt(session, arriving);
    arriving = undefined;
  });
}

const ambiguous = (detail: string): Denial => ({ code: 'GH_REQUEST_AMBIGUOUS', detail });
const malformed = (detail: string): Denial => ({ code: 'GH_REQUEST_MALFORMED', detail });

const AUTHORITY_MISMATCH = ambiguous(':authority and Host name different hosts');
const NO_AUTHORITY = malformed('an HTTP/2 request needs :authority or Host');
const DUPLICATE_HOST = ambiguous('more than one Host');
const DUPLICATE_CL = ambiguous('more than one Content-Length');
const CL_INVALID = malformed('Content-Length must be one decimal number');
const CONNECTION_SPECIFIC = malformed('connection-specific header fields are not allowed in HTTP/2 (RFC 9113 §8.2.2)');
const TE_NOT_TRAILERS = malformed('TE in HTTP/2 may only be "trailers" (RFC 9113 §8.2.2)');
const HEADERS_TOO_LARGE: Denial = { code: 'GH_REQUEST_HEADERS_TOO_LARGE', detail: 'the header list is over the size limit' };
const DIGITS = /^\d+$/;

/** Fields that describe one HTTP/1.1 connection and have no meaning in HTTP/2. */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/**
 * What the pipeline and the upstream read of an HTTP/2 request must be one thing. nghttp2 already
 * refuses malformed pseudo-headers, upper-case names and a Content-Length the DATA frames
 * contradict; this refuses what it lets through and an HTTP/1.1 upstream could read otherwise:
 * a Host naming another host than :authority, repeated Host or Content-Length, connection-specific
 * fields. A request with :authority and no Host is given Host = :authority, the one value the
 * policies read and `X-Forwarded-Host` carries.
 */
export function http2Problem(req: IncomingMessage, maxHeaderBytes: number): Denial | undefined {
  const headers = req.headers;
  const authority = headers[':authority'] as string | undefined;
  const host = headers.host;
  if (authority !== undefined) {
    if (host === undefined) headers.host = authority;
    else if (host.toLowerCase() !== authority.toLowerCase()) return AUTHORITY_MISMATCH;
  } else if (host === undefined) {
    return NO_AUTHORITY;
  }
  const te = headers.te;
  if (te !== undefined && te !== 'trailers') return TE_NOT_TRAILERS;
  const cl = headers['content-length'];
  if (cl !== undefined && !DIGITS.test(cl)) return CL_INVALID;
  const raw = req.rawHeaders;
  let hosts = 0;
  let lengths = 0;
  // The header list size as SETTINGS_MAX_HEADER_LIST_SIZE counts it (RFC 9113 §6.5.2): nghttp2
  // announces the setting but does not enforce it, so the HTTP/1.1 byte limit is applied here.
  let size = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    size += name.length + (raw[i + 1] as string).length + 32;
    if (CONNECTION_FIELDS.has(name)) return CONNECTION_SPECIFIC;
    if (name === 'host' && ++hosts > 1) return DUPLICATE_HOST;
    if (name === 'content-length' && ++lengths > 1) return DUPLICATE_CL;
  }
  if (size > maxHeaderBytes) return HEADERS_TOO_LARGE;
  return undefined;
}

/** Whether a request came over HTTP/2 (the compatibility API's request has its stream). */
export function isHttp2(req: IncomingMessage): boolean {
  return (req as unknown as { stream?: unknown }).stream !== undefined;
}

/** An HTTP/2 request has a body unless its HEADERS frame ended the stream. */
export function http2HasBody(req: IncomingMessage): boolean {
  return !(req as unknown as Http2ServerRequest).stream.endAfterHeaders;
}
