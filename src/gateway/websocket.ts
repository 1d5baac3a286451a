import type { Duplex } from 'node:stream';
import { REVOCATION_CHANNEL, type Revocation } from '../anomaly/revocations.js';
import type { WebSocketConfig } from '../config/protocols.js';
import type { Denial } from '../errors/index.js';
import type { Identity, RequestContext } from './context.js';
import { complete } from './complete.js';
import { upstreamRequestHeaders, withoutQueryParams } from './headers.js';
import { sendDenial } from './respond.js';
import type { CompiledRoute } from './runtime-types.js';
import type { GatewayServices } from './services.js';
import { upstreamErrorCode } from './upstream.js';
import { closeFrame, FrameMeter, maskedCloseFrame } from './websocket-frames.js';

/*
 * WebSocket upgrades (RFC 6455) of the operations an API declares (`websocket.operations`). The
 * handshake is an ordinary GET through the whole request phase (authentication, authorization,
 * rate limits, the contract on its query and headers); only then are the origin, the handshake
 * fields and the per-identity connection count checked, the upstream asked to upgrade, and the two
 * sockets joined with a frame meter on each direction.
 */

const NOT_DECLARED: Denial = { code: 'GH_WEBSOCKET_NOT_DECLARED' };
const ORIGIN: Denial = { code: 'GH_WEBSOCKET_ORIGIN', detail: 'this Origin may not open a WebSocket on this API' };
const TOO_MANY: Denial = { code: 'GH_WEBSOCKET_TOO_MANY' };
const BAD_HANDSHAKE: Denial = { code: 'GH_REQUEST_MALFORMED', detail: 'a WebSocket handshake needs Sec-WebSocket-Version: 13 and a Sec-WebSocket-Key of 16 bytes (RFC 6455 §4.1)' };
const KEY = /^[A-Za-z0-9+/]{22}==$/;
/** The API-key store's revocation channel (identity/api-keys.ts): its messages are key ids. */
const API_KEY_CHANNEL = 'gatehouse.apikeys';

export type CloseReason = 'client' | 'upstream' | 'idle' | 'message_too_large' | 'revoked' | 'protocol_error' | 'shutdown';

/** The client's half of an upgrade: its socket and the bytes read past the handshake. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly sockets: WebSockets;
}

/** Whether a request asks for a WebSocket upgrade (RFC 6455 §4.2.1). */
export function isWebSocketUpgrade(headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  const upgrade = headers.upgrade;
  return typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket';
}

interface Open {
  readonly api: string;
  readonly key: string;
  readonly identity: Identity | undefined;
  readonly clientIp: string;
  close(code: number, reason: CloseReason): void;
}

/**
 * The open WebSocket connections of a gateway: counted per API and identity, closed when their
 * caller's credential, subject or address is revoked (the revocation and API-key channels every
 * gateway of a cluster hears), and closed with 1001 on shutdown. Outlives reloads.
 */
export class WebSockets {
  private readonly open = new Set<Open>();
  private readonly counts = new Map<string, number>();
  private unsubscribe: (() => Promise<void>)[] = [];

  constructor(private readonly services: GatewayServices) {}

  async start(): Promise<void> {
    const pubsub = this.services.store.pubsub;
    this.unsubscribe.push(await pubsub.subscribe(REVOCATION_CHANNEL, (message) => this.revoked(message)));
    this.unsubscribe.push(await pubsub.subscribe(API_KEY_CHANNEL, (id) => this.closeWhere((o) => o.identity?.credentialId === `key:${id}`)));
  }

  /** Takes one connection slot of `key` on `api`; false when `max` are open. */
  reserve(api: string, key: string, max: number): boolean {
    const slot = `${api}\u0000${key}`;
    const n = this.counts.get(slot) ?? 0;
    if (n >= max) return false;
    this.counts.set(slot, n + 1);
    return true;
  }

  release(api: string, key: string): void {
    const slot = `${api}\u0000${key}`;
    const n = (this.counts.get(slot) ?? 1) - 1;
    if (n <= 0) this.counts.delete(slot);
    else this.counts.set(slot, n);
  }

  add(open: Open): void {
    this.open.add(open);
  }

  remove(open: Open): void {
    this.open.delete(open);
  }

  get size(): number {
    return this.open.size;
  }

  /** A revocation just added anywhere: the sockets it covers are closed with 1008 (policy violation). */
  private revoked(message: string): void {
    let parsed: { op?: string; entry?: Revocation };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    const entry = parsed.entry;
    if (parsed.op !== 'add' || entry === undefined || entry.action !== 'block') return;
    this.closeWhere((o) => {
      const id = o.identity;
      switch (entry.kind) {
        case 'subject': return id !== undefined && id.kind !== 'anonymous' && id.subject === entry.value;
        case 'credential': return id?.credentialId === entry.value;
        case 'jti': return id?.claims.jti === entry.value;
        case 'ip': return o.clientIp === entry.value;
        default: return false;
      }
    });
  }

  private closeWhere(test: (o: Open) => boolean): void {
    for (const o of [...this.open]) if (test(o)) o.close(1008, 'revoked');
  }

  /** Shutdown: every socket is told 1001 (going away) and closed. */
  async close(): Promise<void> {
    for (const o of [...this.open]) o.close(1001, 'shutdown');
    await Promise.all(this.unsubscribe.splice(0).map((u) => u()));
  }
}

/**
 * After the request phase let the handshake through: checks what is WebSocket's own, asks the
 * upstream to upgrade, answers 101 and joins the sockets. Every way out ends the exchange once.
 */
export function openWebSocket(ctx: RequestContext, route: CompiledRoute, upgrade: Upgrade, services: GatewayServices): void {
  const ws = route.websocket;
  if (ws === undefined) return refuse(ctx, NOT_DECLARED, services);
  const headers = ctx.req.headers;
  // Cross-site WebSocket hijacking: browsers always send Origin; a listed one, or none (not a browser).
  const origin = headers.origin;
  if (origin !== undefined && !ws.origins.includes(origin.toLowerCase())) return refuse(ctx, ORIGIN, services);
  const key = headers['sec-websocket-key'];
  if (headers['sec-websocket-version'] !== '13' || key === undefined || !KEY.test(key)) return refuse(ctx, BAD_HANDSHAKE, services);
  const api = route.api.name;
  const who = ctx.identity !== undefined && ctx.identity.kind !== 'anonymous' ? `sub:${ctx.identity.subject}` : `ip:${ctx.clientIp}`;
  if (!upgrade.sockets.reserve(api, who, ws.maxConnectionsPerIdentity)) return refuse(ctx, TOO_MANY, services);

  const filter = route.upstreamFilter;
  const out = upstreamRequestHeaders(headers, ctx.clientIp, ctx.secure, ctx.id, filter, ctx.addHeaders, -1, false);
  // No extension is negotiated: permessage-deflate would hide each message's real size from the
  // meter (a small frame inflating to gigabytes) and its state would have to be tracked too.
  for (let i = out.length - 2; i >= 0; i -= 2) if (out[i] === 'sec-websocket-extensions') out.splice(i, 2);
  const query = filter.query.length === 0 ? ctx.rawQuery : withoutQueryParams(ctx.rawQuery, filter.query);
  ctx.forwarded = true;
  const started = performance.now();
  route.api.upstream.upgrade(query === '' ? ctx.path : `${ctx.path}?${query}`, out).then(({ headers: answer, socket: upstream }) => {
    ctx.upstreamMs = performance.now() - started;
    const client = upgrade.socket;
    const accept = answer['sec-websocket-accept'];
    const protocol = answer['sec-websocket-protocol'];
    if (client.destroyed || typeof accept !== 'string' || answer['sec-websocket-extensions'] !== undefined) {
      upstream.destroy();
      upgrade.sockets.release(api, who);
      if (!client.destroyed) failed(ctx, { code: 'GH_UPSTREAM_UNAVAILABLE', detail: 'the upstream answered the WebSocket handshake with what was not asked for' });
      else complete(ctx, services);
      return;
    }
    ctx.res.detachSocket(client as never);
    const lines = ['HTTP/1.1 101 Switching Protocols', 'upgrade: websocket', 'connection: Upgrade', `sec-websocket-accept: ${accept}`];
    if (typeof protocol === 'string') lines.push(`sec-websocket-protocol: ${protocol}`);
    lines.push(`x-request-id: ${ctx.id}`);
    client.write(`${lines.join('\r\n')}\r\n\r\n`);
    ctx.upstreamStatus = 101;
    ctx.res.statusCode = 101;
    complete(ctx, services);
    join(ctx, route.api.name, ws, upgrade, upstream, who, services);
  }, (error: unknown) => {
    upgrade.sockets.release(api, who);
    const code = (error as { code?: string }).code;
    services.metrics.upstreamErrors.labels(api, code ?? 'unknown').inc();
    services.logger.warn({ reqId: ctx.id, api, err: { code, message: (error as Error).message } }, 'upstream WebSocket handshake failed');
    failed(ctx, { code: upstreamErrorCode(error) });
  });
}

function refuse(ctx: RequestContext, denial: Denial, services: GatewayServices): void {
  services.metrics.websocketRefused.labels(ctx.api?.name ?? '(none)', denial.code).inc();
  sendDenial(ctx, denial, 'websocket');
}

function failed(ctx: RequestContext, denial: Denial): void {
  sendDenial(ctx, denial, 'proxy');
  ctx.forwarded = false;
}

/** Joins client and upstream, each direction metered; closes both on the first end, once. */
function join(ctx: RequestContext, api: string, ws: WebSocketConfig, upgrade: Upgrade, upstream: Duplex, who: string, services: GatewayServices): void {
  const client = upgrade.socket;
  const sockets = upgrade.sockets;
  const metrics = services.metrics;
  const fromClient = new FrameMeter(ws.maxMessageBytes, true);
  const fromUpstream = new FrameMeter(ws.maxMessageBytes, false);
  let done = false;
  const open: Open = {
    api,
    key: who,
    identity: ctx.identity,
    clientIp: ctx.clientIp,
    close(code, reason) {
      if (done) return;
      done = true;
      sockets.remove(open);
      sockets.release(api, who);
      metrics.websocketOpen.labels(api).dec();
      metrics.websocketClosed.labels(api, reason).inc();
      if (reason !== 'client' && reason !== 'upstream') {
        services.logger.info({ reqId: ctx.id, api, reason, code }, 'WebSocket closed by the gateway');
      }
      // A close frame to each side that did not end the connection itself (§7.1.2), then the sockets.
      if (reason !== 'client' && !client.destroyed) client.end(closeFrame(code, reason));
      if (reason !== 'upstream' && !upstream.destroyed) upstream.end(maskedCloseFrame(code));
      const cut = setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, 1000);
      cut.unref();
    },
  };
  sockets.add(open);
  metrics.websocketOpen.labels(api).inc();

  const pass = (meter: FrameMeter, from: Duplex, to: Duplex, chunk: Buffer): void => {
    if (done) return;
    const verdict = meter.feed(chunk);
    if (verdict === 'too_large') return open.close(1009, 'message_too_large');
    if (verdict === 'protocol_error') return open.close(1002, 'protocol_error');
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };
  client.on('data', (chunk: Buffer) => pass(fromClient, client, upstream, chunk));
  upstream.on('data', (chunk: Buffer) => pass(fromUpstream, upstream, client, chunk));
  client.on('close', () => open.close(1001, 'client'));
  upstream.on('close', () => open.close(1001, 'upstream'));
  client.on('error', () => open.close(1001, 'client'));
  upstream.on('error', () => open.close(1011, 'upstream'));
  client.on('end', () => open.close(1000, 'client'));
  upstream.on('end', () => open.close(1000, 'upstream'));
  // Any byte either way passes through the client socket, so its timeout is the connection's idleness.
  const socket = client as Duplex & { setTimeout?: (ms: number, cb: () => void) => void };
  socket.setTimeout?.(ws.idleTimeoutMs, () => open.close(1001, 'idle'));
  if (upgrade.head.length > 0) pass(fromClient, client, upstream, upgrade.head);
}
