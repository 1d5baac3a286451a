import { connect, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/types.js';

/**
 * The upstream of a gRPC API: one node:http2 session per origin, reopened when it goes. undici
 * (7.30) completes an HTTP/2 response at the end of its DATA and drops the trailers that follow,
 * and gRPC's status lives in them, so these requests go through Node's own client. It drives the
 * same dispatch handler (proxy.ts's Exchange) as undici does.
 */
export class GrpcUpstream {
  private session: ClientHttp2Session | undefined;
  private readonly tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string; rejectUnauthorized: boolean } | undefined;

  constructor(private readonly config: UpstreamConfig) {
    const tls = config.tls;
    this.tls = tls === undefined ? undefined : {
      ...(tls.ca === undefined ? {} : { ca: readFileSync(tls.ca) }),
      ...(tls.cert === undefined ? {} : { cert: readFileSync(tls.cert) }),
      ...(tls.key === undefined ? {} : { key: readFileSync(tls.key) }),
      ...(tls.serverName === undefined ? {} : { servername: tls.serverName }),
      rejectUnauthorized: tls.rejectUnauthorized,
    };
  }

  private connected(): ClientHttp2Session {
    const current = this.session;
    if (current !== undefined && !current.closed && !current.destroyed) return current;
    const session = connect(this.config.origin, this.tls ?? {});
    session.on('error', () => undefined);
    session.once('close', () => { if (this.session === session) this.session = undefined; });
    session.setTimeout(60_000, () => session.close());
    this.session = session;
    return session;
  }

  dispatch(method: string, path: string, headers: string[], body: Buffer | Readable | undefined, handler: Dispatcher.DispatchHandler): void {
    const out: OutgoingHttpHeaders = { ':method': method, ':path': path };
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      const value = headers[i + 1] as string;
      const had = out[name];
      out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [String(had), value];
    }
    let stream: ReturnType<ClientHttp2Session['request']>;
    try {
      stream = this.connected().request(out, { endStream: body === undefined });
    } catch (error) {
      handler.onResponseError?.(controllerOf(undefined), error as Error);
      return;
    }
    const controller = controllerOf(stream);
    let started = false;
    let ended = false;
    // As undici's body timeout: idleness between frames, not the length of a (streaming) call.
    stream.setTimeout(this.config.timeoutMs, () => stream.close(0x8));
    stream.on('response', (h: IncomingHttpHeaders) => {
      const status = Number(h[':status']);
      if (status < 200) return;
      started = true;
      const plain: IncomingHttpHeaders = {};
      for (const name in h) if (name.charCodeAt(0) !== 58) plain[name] = h[name];
      handler.onResponseStart?.(controller, status, plain, '');
    });
    stream.on('data', (chunk: Buffer) => handler.onResponseData?.(controller, chunk));
    let trailers: IncomingHttpHeaders = {};
    stream.on('trailers', (t: IncomingHttpHeaders) => { trailers = t; });
    stream.on('close', () => {
      if (ended) return;
      ended = true;
      if (started && stream.rstCode === 0) handler.onResponseEnd?.(controller, trailers as Record<string, string>);
      else handler.onResponseError?.(controller, Object.assign(new Error('the upstream stream closed before its answer'), { code: started ? 'UND_ERR_SOCKET' : 'ECONNRESET' }));
    });
    stream.on('error', () => undefined);
    if (Buffer.isBuffer(body)) stream.end(body);
    else if (body !== undefined) body.pipe(stream);
  }

  close(): Promise<void> {
    const session = this.session;
    if (session === undefined || session.closed) return Promise.resolve();
    return new Promise((resolve) => session.close(() => resolve()));
  }

  destroy(): Promise<void> {
    this.session?.destroy();
    return Promise.resolve();
  }
}

function controllerOf(stream: { pause(): unknown; resume(): unknown; close(code?: number): unknown } | undefined): Dispatcher.DispatchController {
  const controller = {
    aborted: false,
    paused: false,
    reason: null,
    abort(_reason: Error) { controller.aborted = true; stream?.close(0x8); },
    pause() { controller.paused = true; stream?.pause(); },
    resume() { controller.paused = false; stream?.resume(); },
  };
  return controller as unknown as Dispatcher.DispatchController;
}
