import type { IncomingMessage, ServerResponse } from 'node:http';
import { ALERT_STREAM } from '../anomaly/dispatch.js';
import { REVOCATION_CHANNEL } from '../anomaly/revocations.js';
import type { StoredRecord } from '../store/index.js';
import type { ApiCall, ApiResult } from './api.js';
import type { AdminContext } from './handlers.js';
import { RELOAD_STREAM } from './reloads.js';

export interface EventsOptions {
  /** How often the store is read for new alerts, decisions and reloads. */
  readonly pollMs?: number;
  /** At most this many decisions per poll reach the stream (a sample under load). */
  readonly decisionsPerPoll?: number;
  /** Streams open at once on this gateway; one more is refused with 429. */
  readonly maxClients?: number;
  /**
   * Whether the credential a stream was opened with still holds, asked on every poll: a revoked
   * admin token's stream ends then, as its next request would be refused. Unset: never asked.
   */
  readonly stillValid?: (req: IncomingMessage) => Promise<boolean>;
}

interface Cursor { since: number; seen: Set<string> }

/**
 * The live stream (`GET /admin/api/v1/events`, server-sent events). New alerts, decisions and
 * reloads are read from the store, not from this process, so the stream of any gateway shows
 * the whole cluster's; the store is read only while someone listens. Revocations come over
 * pub/sub, as every gateway receives them.
 */
export class AdminEvents {
  /** Each open stream and the request that opened it (its credential is checked again per poll). */
  private readonly clients = new Map<ServerResponse, IncomingMessage>();
  private timer: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private unsubscribe: Promise<() => Promise<void>> | undefined;
  private cursors: Record<'alert' | 'decision' | 'reload', Cursor> | undefined;
  private polling = false;
  private readonly pollMs: number;
  private readonly perPoll: number;
  private readonly maxClients: number;
  private readonly stillValid: EventsOptions['stillValid'];

  constructor(private readonly ctx: AdminContext, options: EventsOptions = {}) {
    this.pollMs = options.pollMs ?? 1_000;
    this.perPoll = options.decisionsPerPoll ?? 20;
    this.maxClients = options.maxClients ?? 32;
    this.stillValid = options.stillValid;
  }

  handle = async (call: ApiCall): Promise<ApiResult> => {
    if (this.clients.size >= this.maxClients) return { denial: { code: 'GH_RATE_LIMITED', detail: 'too many event streams open on this gateway', headers: { 'retry-after': '10' } } };
    const res = call.res;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', 'x-request-id': call.requestId });
    res.write(`retry: 3000\n\n`);
    this.clients.set(res, call.req);
    res.on('close', () => this.drop(res));
    this.start();
    return undefined;
  };

  get listeners(): number {
    return this.clients.size;
  }

  private start(): void {
    if (this.timer !== undefined) return;
    const now = (this.ctx.now ?? Date.now)();
    this.cursors = { alert: { since: now, seen: new Set() }, decision: { since: now, seen: new Set() }, reload: { since: now, seen: new Set() } };
    this.timer = setInterval(() => { void this.poll(); }, this.pollMs);
    this.heartbeat = setInterval(() => this.send(': keep-alive\n\n'), 15_000);
    this.unsubscribe = this.ctx.store.pubsub.subscribe(REVOCATION_CHANNEL, (message) => this.send(event('revocation', message)));
    this.unsubscribe.catch(() => undefined);
  }

  private drop(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearInterval(this.heartbeat);
    this.timer = undefined;
    this.heartbeat = undefined;
    const un = this.unsubscribe;
    this.unsubscribe = undefined;
    void un?.then((f) => f()).catch(() => undefined);
  }

  /** Ends every stream (shutdown). */
  close(): void {
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    this.stop();
  }

  private async poll(): Promise<void> {
    const cursors = this.cursors;
    if (this.polling || cursors === undefined) return;
    this.polling = true;
    try {
      await this.endRevoked();
      for (const r of await this.fresh(ALERT_STREAM, cursors.alert, 100)) this.send(event('alert', JSON.stringify(r.data)));
      const decisions = await this.fresh(this.ctx.config().identity.audit.stream, cursors.decision, 1_000);
      // Evenly spaced, so a burst is represented rather than only its start.
      const every = Math.max(1, Math.ceil(decisions.length / this.perPoll));
      for (let i = 0; i < decisions.length; i += every) this.send(event('decision', JSON.stringify((decisions[i] as StoredRecord).data)));
      for (const r of await this.fresh(RELOAD_STREAM, cursors.reload, 100)) {
        const { text: _text, ...summary } = r.data;
        this.send(event('reload', JSON.stringify(summary)));
      }
    } catch {
      // The store is unavailable: try again next tick; the console shows the stream as live still.
    } finally {
      this.polling = false;
    }
  }

  private async endRevoked(): Promise<void> {
    const check = this.stillValid;
    if (check === undefined) return;
    for (const [res, req] of [...this.clients]) {
      // A credential that cannot be checked (the store is down) no longer counts as valid.
      if (!(await check(req).catch(() => false))) {
        res.end();
        this.drop(res);
      }
    }
  }

  /** Records past the cursor; `since` is inclusive, so ids already sent at that instant are skipped. */
  private async fresh(stream: string, cursor: Cursor, limit: number): Promise<StoredRecord[]> {
    const page = await this.ctx.store.records.query(stream, { since: cursor.since, order: 'asc', limit });
    const out = page.filter((r) => !cursor.seen.has(r.id));
    const last = page.at(-1);
    if (last !== undefined) {
      if (last.ts !== cursor.since) cursor.seen.clear();
      cursor.since = last.ts;
      for (const r of page) if (r.ts === last.ts) cursor.seen.add(r.id);
    }
    return out;
  }

  private send(text: string): void {
    for (const res of this.clients.keys()) res.write(text);
  }
}

function event(name: string, data: string): string {
  // JSON has no raw newlines, so one `data:` line carries it.
  return `event: ${name}\ndata: ${data}\n\n`;
}
