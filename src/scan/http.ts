/**
 * The scanner's only way to the network. Every request goes through `send`, which enforces what
 * the scan promises: never leave the target's origin (redirects are not followed), stay within the
 * request budget, the deadline and the rate, and time out slow answers.
 */
import { Agent, request } from 'undici';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScanError } from './errors.js';
import type { Exchange, ScanRequest, ScanResponse } from './types.js';

/** Thrown when the request budget or the time budget is spent: checks stop where they are. */
export class BudgetExhausted extends Error {
  constructor(readonly reason: 'requests' | 'time') {
    super(reason === 'requests' ? 'request budget spent' : 'time budget spent');
    this.name = 'BudgetExhausted';
  }
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
}

const MAX_BODY = 1 << 20;

export class HttpClient {
  readonly origin: string;
  private readonly agent = new Agent({ connections: 16, keepAliveTimeout: 5_000 });
  private count = 0;
  private nextSlot = 0;
  private readonly listeners: ((e: Exchange) => void)[] = [];

  constructor(private readonly options: ClientOptions) {
    this.origin = options.target.origin;
  }

  get sent(): number { return this.count; }
  get remaining(): number { return Math.max(0, this.options.maxRequests - this.count); }

  onExchange(listener: (e: Exchange) => void): void { this.listeners.push(listener); }

  /** Resolves the request's URL and refuses any that is not on the target's origin. */
  urlOf(req: ScanRequest): URL {
    const url = new URL(req.path, this.options.target);
    if (url.origin !== this.origin) {
      throw new ScanError('GH_SCAN_OFF_ORIGIN', `refusing to send a request off the target origin (${url.origin} is not ${this.origin})`);
    }
    return url;
  }

  /** `unpaced`: the rate-limit burst, the one place the scan goes faster than --rate (bounded by its size). */
  async send(req: ScanRequest, operation?: string, options: { timeoutMs?: number; unpaced?: boolean } = {}): Promise<ScanResponse> {
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs;
    const now = this.options.now ?? Date.now;
    if (this.count >= this.options.maxRequests) throw new BudgetExhausted('requests');
    if (now() >= this.options.deadline) throw new BudgetExhausted('time');
    const url = this.urlOf(req);
    this.count++;
    if (options.unpaced !== true) await this.pace(now);
    const started = performance.now();
    let response: ScanResponse;
    try {
      const res = await request(url, {
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body ?? null,
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs + 50),
      });
      const body = await readCapped(res.body);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      response = { status: res.statusCode, headers, body, json: parseJson(body, headers['content-type']), elapsedMs: performance.now() - started };
      if (res.statusCode === 429) this.backOff(headers['retry-after'], now);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const timedOut = /timeout|aborted/i.test(message) || (error as { name?: string }).name === 'TimeoutError';
      response = { status: 0, headers: {}, body: '', json: undefined, elapsedMs: performance.now() - started, error: timedOut ? 'timeout' : 'network', errorMessage: message };
    }
    const exchange: Exchange = { request: req, response, ...(operation === undefined ? {} : { operation }) };
    for (const l of this.listeners) l(exchange);
    return response;
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
