/**
 * The scanner's only way to the network. Every request goes through `send`, which enforces what
 * the scan promises: never leave the target's origin (redirects are not followed), stay within the
 * request budget, the deadline and the rate, and time out slow answers. It also keeps an identity's
 * login fresh (see login.ts) and watches the target's health (see liveness.ts): a request after
 * which the target stops answering is reported once, and nothing is sent while it is down.
 */
import { Agent, request } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetExhausted, ScanError } from './errors.js';
export { BudgetExhausted, ScanHalt, TargetDown } from './errors.js';
import { Liveness, type Outage } from './liveness.js';
import type { Exchange, ScanRequest, ScanResponse } from './types.js';

/** Keeps identities' credentials current: the login flow (login.ts) implements it. */
export interface Authenticator {
  /** The request with its identity's current credential, logging in again first when it is due. */
  prepare(req: ScanRequest): Promise<ScanRequest>;
  /**
   * After a 401 to an identity's credential on an operation that declares security: the request
   * with a fresh credential, or undefined.
   */
  renew(req: ScanRequest, res: ScanResponse): Promise<ScanRequest | undefined>;
  /** Every answer to a request on a secured operation: a credential that got anything but 401 works. */
  settle(req: ScanRequest, res: ScanResponse): void;
}

export interface ClientOptions {
  readonly target: URL;
  readonly maxRequests: number;
  /** Requests per second; 0 for no limit. */
  readonly rate: number;
  readonly timeoutMs: number;
  /** Epoch ms after which no request is started. */
  readonly deadline: number;
  readonly now?: () => number;
  /** How long to wait for a target that went down to answer again; 0 stops at the first outage. */
  readonly outageWaitMs?: number;
  /** Outages after which the scan stops even though the target came back. */
  readonly maxOutages?: number;
}

const MAX_BODY = 1 << 20;
export const USER_AGENT = 'gatehouse-scan';

export class HttpClient {
  readonly origin: string;
  readonly liveness: Liveness;
  // Enough connections for the rate-limit burst to arrive at once; sequential requests reuse one.
  private agent = new Agent({ connections: 64, keepAliveTimeout: 5_000 });
  private count = 0;
  private nextSlot = 0;
  private readonly listeners: ((e: Exchange) => void)[] = [];
  private authenticator: Authenticator | undefined;
  private secured: (operation: string) => boolean = () => false;

  constructor(private readonly options: ClientOptions) {
    this.origin = options.target.origin;
    this.liveness = new Liveness({
      probe: (req, timeoutMs) => this.fetch(req, timeoutMs),
      timeoutMs: options.timeoutMs,
      waitMs: options.outageWaitMs ?? 30_000,
      maxOutages: options.maxOutages ?? 3,
      now: options.now ?? Date.now,
      // Connections pooled before an outage point at a process that is gone.
      reset: async () => {
        const old = this.agent;
        this.agent = new Agent({ connections: 64, keepAliveTimeout: 5_000 });
        await old.destroy().catch(() => undefined);
      },
    });
  }

  get sent(): number { return this.count; }
  get remaining(): number { return Math.max(0, this.options.maxRequests - this.count); }

  onExchange(listener: (e: Exchange) => void): void { this.listeners.push(listener); }
  onOutage(listener: (o: Outage) => void): void { this.liveness.onOutage(listener); }
  /** `secured`: whether an operation declares security (only there does a 401 speak of the credential). */
  useAuthenticator(a: Authenticator, secured: (operation: string) => boolean): void {
    this.authenticator = a;
    this.secured = secured;
  }

  /** Resolves the request's URL and refuses any that is not on the target's origin. */
  urlOf(req: ScanRequest): URL {
    const url = new URL(req.path, this.options.target);
    if (url.origin !== this.origin) {
      throw new ScanError('GH_SCAN_OFF_ORIGIN', `refusing to send a request off the target origin (${url.origin} is not ${this.origin})`);
    }
    return url;
  }

  /**
   * Sends one request of the scan. `unpaced`: the rate-limit burst, the one place the scan goes
   * faster than --rate (bounded by its size). `raw`: no credential refresh (the login itself).
   */
  async send(req: ScanRequest, operation?: string, options: { timeoutMs?: number; unpaced?: boolean; raw?: boolean } = {}): Promise<ScanResponse> {
    const now = this.options.now ?? Date.now;
    await this.liveness.ready();
    this.spend(now);
    if (options.unpaced !== true) await this.pace(now);
    let sent = options.raw === true || this.authenticator === undefined ? req : await this.authenticator.prepare(req);
    let response = await this.fetch(sent, options.timeoutMs ?? this.options.timeoutMs);
    const auth = options.raw !== true && operation !== undefined && this.secured(operation) ? this.authenticator : undefined;
    if (auth !== undefined && response.status === 401) {
      const renewed = await auth.renew(sent, response);
      if (renewed !== undefined) {
        this.spend(now);
        sent = renewed;
        response = await this.fetch(sent, options.timeoutMs ?? this.options.timeoutMs);
      }
    }
    if (auth !== undefined && response.status > 0) auth.settle(sent, response);
    let exchange: Exchange = { request: sent, response, ...(operation === undefined ? {} : { operation }) };
    // No answer, or a gateway saying its upstream is gone: is the target itself still there?
    if (response.error !== undefined || response.status === 502 || response.status === 503 || response.status === 504) {
      const verdict = await this.liveness.judge(exchange);
      if (verdict === 'transient') {
        // The target answers probes: a lost connection was the pool's, not this input's. Once more.
        this.spend(now);
        response = await this.fetch(sent, options.timeoutMs ?? this.options.timeoutMs);
        const again = response.error !== undefined ? await this.liveness.judge({ ...exchange, response }) : 'alive';
        if (again === 'outage') response = { ...response, outage: true };
      } else if (verdict === 'outage') {
        response = { ...response, outage: true };
      }
      exchange = { ...exchange, response };
    } else {
      this.liveness.answered(exchange);
    }
    for (const l of this.listeners) l(exchange);
    return response;
  }

  private spend(now: () => number): void {
    if (this.count >= this.options.maxRequests) throw new BudgetExhausted('requests');
    if (now() >= this.options.deadline) throw new BudgetExhausted('time');
    this.count++;
  }

  /** One request on the wire, its answer read (capped), or the error that replaced it. */
  private async fetch(req: ScanRequest, timeoutMs: number): Promise<ScanResponse> {
    const url = this.urlOf(req);
    const started = performance.now();
    try {
      const res = await request(url, {
        method: req.method as 'GET',
        headers: { 'user-agent': USER_AGENT, ...req.headers },
        body: req.body ?? null,
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs + 50),
      });
      const body = await readCapped(res.body);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      if (res.statusCode === 429) this.backOff(headers['retry-after'], this.options.now ?? Date.now);
      return { status: res.statusCode, headers, body, json: parseJson(body, headers['content-type']), elapsedMs: performance.now() - started };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = (error as { code?: string }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      const timedOut = /timeout|aborted/i.test(message) || (error as { name?: string }).name === 'TimeoutError';
      return {
        status: 0, headers: {}, body: '', json: undefined, elapsedMs: performance.now() - started,
        error: timedOut ? 'timeout' : code === 'ECONNREFUSED' ? 'refused' : 'network', errorMessage: message,
      };
    }
  }

  /** Spaces requests to the configured rate (a simple schedule of slots; no bursts above it). */
  private async pace(now: () => number): Promise<void> {
    const interval = this.options.rate <= 0 ? 0 : 1000 / this.options.rate;
    const t = now();
    const slot = Math.max(t, this.nextSlot);
    this.nextSlot = slot + interval;
    if (slot > t) await sleep(slot - t);
  }

  /** Honours Retry-After on a 429 (capped at 1 s: the scan is bounded in time) before the next request. */
  private backOff(retryAfter: string | undefined, now: () => number): void {
    const seconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : 1;
    this.nextSlot = Math.max(this.nextSlot, now() + Math.min(seconds, 1) * 1000);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_BODY) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

function parseJson(body: string, contentType: string | undefined): unknown {
  if (body === '' || (contentType !== undefined && !/json/i.test(contentType))) return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}
