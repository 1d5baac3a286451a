/**
 * Is the target still there? A request that got no answer (a dropped or refused connection, a
 * timeout) or a gateway's 502/503/504 is followed by a liveness probe. When the probe is answered,
 * the failure belongs to that one request and the check judges it. When it is not, the target is
 * down: the outage is attributed once, to the request that caused it (the one in flight when the
 * connection dropped or the answers stopped, or, when the next connection is refused, the last one
 * the target answered), and nothing more is sent until the target answers again. A target that
 * does not come back within the wait stops the scan: the requests that would have followed prove
 * nothing about the service and must not be counted against it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { TargetDown } from './errors.js';
import type { Exchange, ScanRequest, ScanResponse } from './types.js';

export interface Outage {
  /** The exchange the outage is attributed to. */
  readonly cause: Exchange;
  /** How the target failed: it dropped the connection, refused the next ones, stopped answering, or its gateway reported it gone. */
  readonly how: 'dropped' | 'refused' | 'hang' | 'gateway';
  /** What was observed, for the finding's evidence. */
  readonly detail: string;
  /** Milliseconds until it answered again; undefined when it did not come back. */
  readonly downMs: number | undefined;
  /** True when the scan stops because of it. */
  readonly final: boolean;
  /** Why the scan stops, when it does. */
  readonly stopReason?: string;
}

export interface LivenessOptions {
  readonly probe: (req: ScanRequest, timeoutMs: number) => Promise<ScanResponse>;
  readonly timeoutMs: number;
  readonly waitMs: number;
  readonly maxOutages: number;
  readonly now: () => number;
  readonly reset: () => Promise<void>;
}

export type Verdict = 'alive' | 'transient' | 'outage';

/** Identifies probes in the target's logs. */
export const PROBE_AGENT = 'gatehouse-scan liveness-probe';

const isGatewayDown = (status: number): boolean => status === 502 || status === 503 || status === 504;

export class Liveness {
  private probeRequest: ScanRequest = { method: 'GET', path: '/', headers: { accept: '*/*' } };
  /** Whether the probe answered 502-504 while the target was healthy (then those do not mean down). */
  private gatewayBaseline = false;
  private last: Exchange | undefined;
  private handling: Promise<Verdict> | undefined;
  private stopped: string | undefined;
  private count = 0;
  private probesSent = 0;
  private readonly listeners: ((o: Outage) => void)[] = [];

  constructor(private readonly options: LivenessOptions) {}

  get probes(): number { return this.probesSent; }
  get outages(): number { return this.count; }
  /** Set when the target went down for good: the scan's stop reason. */
  get stopReason(): string | undefined { return this.stopped; }

  onOutage(listener: (o: Outage) => void): void { this.listeners.push(listener); }

  /** The request probes send: cheap, harmless, and answered by the service when it is up. */
  useProbe(req: ScanRequest | string): void {
    if (typeof req === 'string') {
      this.probeRequest = { method: 'GET', path: req, headers: { accept: '*/*' } };
      return;
    }
    this.probeRequest = { method: 'GET', path: req.path, headers: { ...req.headers } };
  }

  /** The first probe, on a healthy target: what it answers then is what "up" looks like. */
  async baseline(): Promise<ScanResponse> {
    const res = await this.probe();
    this.gatewayBaseline = isGatewayDown(res.status);
    return res;
  }

  answered(e: Exchange): void {
    this.last = e;
  }

  /** Waits out an outage being handled; throws when the target is down for good. */
  async ready(): Promise<void> {
    if (this.handling !== undefined) await this.handling.catch(() => undefined);
    if (this.stopped !== undefined) throw new TargetDown(this.stopped);
  }

  /** After a failed exchange: whether the target is alive (`transient`: alive, and worth one retry) or down. */
  async judge(e: Exchange): Promise<Verdict> {
    // Failures while an outage is being handled are part of it, not new evidence.
    if (this.handling !== undefined) return this.handling;
    await this.ready();
    const probe = await this.probe();
    if (this.up(probe)) {
      if (e.response.status > 0) this.last = e;
      return e.response.error === 'network' || e.response.error === 'refused' ? 'transient' : 'alive';
    }
    return this.outage(e, probe);
  }

  /** Between checks: a target that died after answering is noticed here, not by the next check. */
  async check(): Promise<void> {
    if (this.last === undefined || this.handling !== undefined) return this.ready();
    const probe = await this.probe();
    if (!this.up(probe)) await this.outage(undefined, probe);
    return this.ready();
  }

  private up(res: ScanResponse): boolean {
    return res.status > 0 && (this.gatewayBaseline || !isGatewayDown(res.status));
  }

  private async probe(): Promise<ScanResponse> {
    this.probesSent++;
    return this.options.probe({ ...this.probeRequest, headers: { ...this.probeRequest.headers, 'user-agent': PROBE_AGENT } }, this.options.timeoutMs);
  }

  private outage(failed: Exchange | undefined, probe: ScanResponse): Promise<Verdict> {
    const run = this.handle(failed, probe);
    this.handling = run;
    const clear = (): void => { if (this.handling === run) this.handling = undefined; };
    run.then(clear, clear);
    return run;
  }

  private async handle(failed: Exchange | undefined, probe: ScanResponse): Promise<Verdict> {
    const { cause, how, detail } = this.attribute(failed, probe);
    const started = this.options.now();
    const interval = Math.min(2_000, Math.max(250, this.options.waitMs / 10));
    let back = false;
    while (this.options.now() - started < this.options.waitMs) {
      await sleep(Math.min(interval, Math.max(0, this.options.waitMs - (this.options.now() - started))));
      if (this.up(await this.probe())) { back = true; break; }
    }
    this.count++;
    const downMs = back ? this.options.now() - started : undefined;
    let stopReason: string | undefined;
    if (!back) {
      stopReason = `the target stopped answering after ${describe(cause)} and did not answer again within ${Math.round(this.options.waitMs / 1000)} s (--outage-wait); the scan stopped there`;
    } else if (this.count >= this.options.maxOutages) {
      stopReason = `the target went down ${this.count} times (last after ${describe(cause)}); the scan stopped rather than keep knocking it over`;
    }
    if (stopReason !== undefined) this.stopped = stopReason;
    else await this.options.reset();
    const outage: Outage = { cause, how, detail, downMs, final: stopReason !== undefined, ...(stopReason === undefined ? {} : { stopReason }) };
    for (const l of this.listeners) l(outage);
    this.last = undefined;
    return 'outage';
  }

  /**
   * Which request the outage belongs to. A connection dropped or left unanswered while the request
   * was in flight: that request. A refused connection (or a probe failing between checks): the
   * target was already gone when it was sent, so the last request it answered.
   */
  private attribute(failed: Exchange | undefined, probe: ScanResponse): { cause: Exchange; how: Outage['how']; detail: string } {
    const probeSaw = probe.status > 0 ? `answered ${probe.status}` : probe.error === 'timeout' ? 'went unanswered' : probe.error === 'refused' ? 'were refused' : 'failed';
    if (failed !== undefined && failed.response.error !== 'refused') {
      const r = failed.response;
      const how: Outage['how'] = r.error === 'timeout' ? 'hang' : r.error !== undefined ? 'dropped' : 'gateway';
      const saw = how === 'hang' ? `got no answer within ${Math.round(r.elapsedMs)} ms` : how === 'dropped' ? `lost its connection without an answer (${r.errorMessage ?? 'network error'})` : `was answered ${r.status} by a gateway`;
      return { cause: failed, how, detail: `the request ${saw}, and liveness probes then ${probeSaw}` };
    }
    const cause = this.last ?? failed;
    if (cause === undefined) throw new Error('an outage with no request to attribute it to');
    const how: Outage['how'] = probe.error === 'timeout' ? 'hang' : probe.status > 0 ? 'gateway' : 'refused';
    const then = failed === undefined ? 'the liveness probes that followed' : 'the connection of the next request was refused, and liveness probes';
    return { cause, how, detail: `the target answered this request ${cause.response.status}; after it ${then} ${probeSaw}` };
  }
}

function describe(e: Exchange): string {
  return `${e.request.method} ${e.request.path.split('?')[0] ?? ''}`;
}
