import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Denial } from '../errors/index.js';
import type { GatewayServices } from './services.js';
import { answerClientError } from './smuggling.js';

/**
 * Connections the gateway cuts before a handler could answer normally: slowloris clients that
 * never finish their headers or their body, header sections over the limit, framing the parser
 * refuses. Each is counted by reason and status in `gatehouse_connections_cut_total` and logged,
 * at most once per reason every 10 s with the number of cuts in between: a thousand slowloris
 * connections must leave a trace, but not a thousand log lines.
 */
export type CutReason = 'header_timeout' | 'body_timeout' | 'headers_too_large' | 'smuggling' | 'malformed';

const LOG_EVERY_MS = 10_000;

/** Requests whose body timed out after the handler had them: their answer on the wire was this. */
const cutRequests = new WeakMap<IncomingMessage, Denial & { status: number }>();

/** The answer the client really got for a request whose connection was cut, if it was. */
export function cutOf(req: IncomingMessage): (Denial & { status: number }) | undefined {
  return cutRequests.get(req);
}

function reasonOf(code: string | undefined, answered: string | undefined, handled: boolean): CutReason {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return handled ? 'body_timeout' : 'header_timeout';
  if (answered === 'GH_REQUEST_HEADERS_TOO_LARGE') return 'headers_too_large';
  if (answered === 'GH_REQUEST_SMUGGLING') return 'smuggling';
  return 'malformed';
}

/** The listener's `clientError` handler: answers (smuggling.ts), then counts and logs the cut. */
export function clientErrorHandler(services: GatewayServices): (error: Error & { code?: string }, socket: Duplex) => void {
  const last = new Map<CutReason, { at: number; suppressed: number }>();
  return (error, socket) => {
    const response = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
    const remote = (socket as Duplex & { remoteAddress?: string }).remoteAddress;
    const answered = answerClientError(error, socket);
    const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    // A client that went away, or the parser noticing the end of a connection we cut: nothing to report.
    if (answered === undefined && !timeout) return;
    const status = answered?.status ?? 0;
    const reason = reasonOf(error.code, answered?.code, response !== undefined);
    // The handler is still reading this request's body: its access log line must say what the
    // client got (408), not the refusal it will compute once the body read fails.
    if (response !== undefined && status !== 0) cutRequests.set(response.req, { code: (answered?.code ?? 'GH_REQUEST_TIMEOUT') as Denial['code'], status });
    services.metrics.connectionCuts.labels(reason, String(status)).inc();
    const now = Date.now();
    const seen = last.get(reason);
    if (seen !== undefined && now - seen.at < LOG_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    services.logger.warn({ reason, status, code: error.code, remote, suppressed: seen?.suppressed ?? 0 }, 'connection cut before an answer');
    last.set(reason, { at: now, suppressed: 0 });
  };
}
