import type { Observation } from '../inventory/observation.js';
import { templatePath } from '../inventory/template.js';
import type { AlertSubject, AlertDraft } from './alert.js';
import type { DetectorSettings } from './config.js';
import { Cooldown, SlidingDistinct, SlidingLog, SlidingSum } from './window.js';

/** Refusals that say "this caller is probing the contract": injection guard and validation. */
const PROBE_CODES = new Set(['GH_INJECTION_DETECTED', 'GH_CONTRACT_PARAMETER_INVALID', 'GH_CONTRACT_BODY_INVALID', 'GH_CONTRACT_UNKNOWN_FIELD', 'GH_CONTRACT_PROTOTYPE_POLLUTION', 'GH_CONTRACT_BODY_TOO_DEEP', 'GH_CONTRACT_BODY_TOO_COMPLEX', 'GH_REQUEST_SMUGGLING', 'GH_REQUEST_AMBIGUOUS']);

interface Baseline { windowStart: number; count: number; baseline: number; windows: number; fired: boolean }
interface Usage { first: number; requests: number; operations: Set<string> }

const SWEEP_EVERY = 5000;
const NONE: readonly AlertDraft[] = Object.freeze([]);
const MAX_OPERATIONS_PER_CALLER = 500;
/**
 * Distinct shadow paths alerted per API and window. Anyone can send new unmatched paths without
 * credentials: past this, one more alert per window says there are many (a scan, most likely),
 * so neither the alerts stream nor the cooldowns grow with the attacker's imagination.
 */
const MAX_SHADOW_ALERTS = 20;

/**
 * Every detector, fed one observation at a time (in batches, off the request path). Windows
 * are per caller, IP or operation and live in this process; the time is each observation's own,
 * so a unit test drives them with made-up timestamps and no sleeps.
 */
export class Detectors {
  private readonly failures: SlidingLog<string>;
  private readonly objects: SlidingDistinct;
  private readonly volume: SlidingSum;
  private readonly refusals: SlidingLog<string>;
  private readonly baselines = new Map<string, Baseline>();
  private readonly usage = new Map<string, Usage>();
  /** Per API: when its shadow-alert window started and how many shadow paths it alerted since. */
  private readonly shadowAlerts = new Map<string, { start: number; count: number }>();
  private readonly cooldowns: Record<'credentialStuffing' | 'enumeration' | 'exfiltration' | 'refusalCluster' | 'shadowTraffic' | 'zombieTraffic' | 'newOperation', Cooldown>;
  private seen = 0;
  /** Collects one feed's alerts; handed out and replaced only when something fired. */
  private fired: AlertDraft[] = [];

  constructor(private readonly settings: DetectorSettings, private readonly olderApis: ReadonlySet<string> = new Set()) {
    const s = settings;
    this.failures = new SlidingLog(s.credentialStuffing.windowMs, s.credentialStuffing.failures * 2);
    this.objects = new SlidingDistinct(s.enumeration.windowMs, s.enumeration.distinctIds * 4);
    this.volume = new SlidingSum(s.exfiltration.windowMs);
    this.refusals = new SlidingLog(s.refusalCluster.windowMs, s.refusalCluster.refusals * 2);
    this.cooldowns = {
      credentialStuffing: new Cooldown(s.credentialStuffing.windowMs),
      enumeration: new Cooldown(s.enumeration.windowMs),
      exfiltration: new Cooldown(s.exfiltration.windowMs),
      refusalCluster: new Cooldown(s.refusalCluster.windowMs),
      shadowTraffic: new Cooldown(s.shadowTraffic.windowMs),
      zombieTraffic: new Cooldown(s.zombieTraffic.windowMs),
      newOperation: new Cooldown(s.newOperation.learningMs),
    };
  }

  /** The alerts this observation raises; the shared empty list when none (the usual case). */
  feed(o: Observation): readonly AlertDraft[] {
    const out = this.fired;
    const s = this.settings;
    if (s.credentialStuffing.enabled) this.credentialStuffing(o, out);
    if (s.enumeration.enabled) this.enumeration(o, out);
    if (s.rateSpike.enabled) this.rateSpike(o, out);
    if (s.exfiltration.enabled) this.exfiltration(o, out);
    if (s.newOperation.enabled) this.newOperation(o, out);
    if (s.refusalCluster.enabled) this.refusalCluster(o, out);
    if (s.shadowTraffic.enabled) this.shadowTraffic(o, out);
    if (s.zombieTraffic.enabled) this.zombieTraffic(o, out);
    if (++this.seen % SWEEP_EVERY === 0) this.sweep(o.ts);
    if (out.length === 0) return NONE;
    this.fired = [];
    return out;
  }

  /** Many 401/403 answers to one address: password spraying, stolen-credential lists, token guessing. */
  private credentialStuffing(o: Observation, out: AlertDraft[]): void {
    if (o.status !== 401 && o.status !== 403) return;
    const c = this.settings.credentialStuffing;
    const key = `ip:${o.ip}`;
    const log = this.failures.add(key, o.ts, o.requestId);
    if (log.ts.length < c.failures || !this.cooldowns.credentialStuffing.fire(key, o.ts)) return;
    out.push(draft(o, 'credentialStuffing', 'high', `${log.ts.length} authentication failures from ${o.ip} in ${seconds(c.windowMs)}`,
      { kind: 'ip', value: key, ip: o.ip }, log.ts.length, c.failures, c.windowMs, log.values));
  }

  /** One caller walking many distinct object ids of one operation: BOLA scraping (OWASP API1). */
  private enumeration(o: Observation, out: AlertDraft[]): void {
    if (o.objectKey === undefined || o.operation === undefined || o.status >= 500) return;
    const c = this.settings.enumeration;
    const key = `${o.caller} ${operationKeyOf(o)}`;
    const distinct = this.objects.add(key, o.ts, o.objectKey, o.requestId);
    if (distinct < c.distinctIds || !this.cooldowns.enumeration.fire(key, o.ts)) return;
    const seen = this.objects.recent(key);
    out.push(draft(o, 'enumeration', 'high', `${o.caller} requested ${distinct} distinct objects of ${o.operation} in ${seconds(c.windowMs)}`,
      callerSubject(o), distinct, c.distinctIds, c.windowMs, seen.recentIds, { requests: seen.events }));
  }

  /** A caller far above its own learned rate (an exponentially weighted average of past windows). */
  private rateSpike(o: Observation, out: AlertDraft[]): void {
    const c = this.settings.rateSpike;
    let b = this.baselines.get(o.caller);
    if (b === undefined) { b = { windowStart: o.ts, count: 0, baseline: 0, windows: 0, fired: false }; this.baselines.set(o.caller, b); }
    if (o.ts - b.windowStart >= c.windowMs) {
      const elapsed = Math.floor((o.ts - b.windowStart) / c.windowMs);
      // Idle windows count as zero: the baseline decays while a caller is quiet.
      b.baseline = b.windows === 0 ? b.count : 0.3 * b.count + 0.7 * b.baseline;
      for (let i = 1; i < Math.min(elapsed, 20); i++) b.baseline *= 0.7;
      b.windows += elapsed;
      b.windowStart += elapsed * c.windowMs;
      b.count = 0;
      b.fired = false;
    }
    b.count++;
    if (b.fired || b.windows < c.learningWindows || b.count < c.minRequests || b.count <= c.factor * Math.max(b.baseline, 1)) return;
    b.fired = true;
    out.push(draft(o, 'rateSpike', 'medium', `${o.caller} sent ${b.count} requests this window, ${c.factor}x above its baseline of ${Math.round(b.baseline)}`,
      callerSubject(o), b.count, Math.ceil(c.factor * Math.max(b.baseline, 1)), c.windowMs, [o.requestId], { baseline: Math.round(b.baseline * 10) / 10 }));
  }

  /** Unusual response volume to one caller: bulk export or data exfiltration (OWASP API3). */
  private exfiltration(o: Observation, out: AlertDraft[]): void {
    if (o.responseBytes <= 0) return;
    const c = this.settings.exfiltration;
    const total = this.volume.add(o.caller, o.ts, o.responseBytes);
    if (total < c.bytes || !this.cooldowns.exfiltration.fire(o.caller, o.ts)) return;
    out.push(draft(o, 'exfiltration', 'high', `${o.caller} received ${total} bytes in ${seconds(c.windowMs)}`,
      callerSubject(o), total, c.bytes, c.windowMs, [o.requestId]));
  }

  /** An established caller suddenly using an operation it never used: account takeover, BFLA probing. */
  private newOperation(o: Observation, out: AlertDraft[]): void {
    if (o.operation === undefined || o.subject === undefined) return; // anonymous callers have no stable habits
    const c = this.settings.newOperation;
    let u = this.usage.get(o.caller);
    if (u === undefined) { u = { first: o.ts, requests: 0, operations: new Set() }; this.usage.set(o.caller, u); }
    u.requests++;
    const key = operationKeyOf(o);
    if (u.operations.has(key)) return;
    if (u.operations.size < MAX_OPERATIONS_PER_CALLER) u.operations.add(key);
    const learned = o.ts - u.first >= c.learningMs && u.requests > c.minRequests;
    if (!learned || !this.cooldowns.newOperation.fire(`${o.caller} ${key}`, o.ts)) return;
    out.push(draft(o, 'newOperation', 'low', `${o.caller} used ${o.operation} for the first time after ${u.requests} requests`,
      callerSubject(o), 1, 1, c.learningMs, [o.requestId]));
  }

  /** Validation and injection refusals clustering on one caller: someone fuzzing the API. */
  private refusalCluster(o: Observation, out: AlertDraft[]): void {
    if (o.code === undefined || !PROBE_CODES.has(o.code)) return;
    const c = this.settings.refusalCluster;
    const log = this.refusals.add(o.caller, o.ts, o.requestId);
    if (log.ts.length < c.refusals || !this.cooldowns.refusalCluster.fire(o.caller, o.ts)) return;
    out.push(draft(o, 'refusalCluster', 'medium', `${log.ts.length} injection or validation refusals for ${o.caller} in ${seconds(c.windowMs)}`,
      callerSubject(o), log.ts.length, c.refusals, c.windowMs, log.values));
  }

  /** Traffic the gateway passed to an operation no spec declares. */
  private shadowTraffic(o: Observation, out: AlertDraft[]): void {
    if (!o.unmatched || o.code !== undefined) return;
    const template = templatePath(o.path);
    const key = `${o.api} ${o.method} ${template}`;
    const windowMs = this.settings.shadowTraffic.windowMs;
    let budget = this.shadowAlerts.get(o.api);
    if (budget === undefined || o.ts - budget.start >= windowMs) this.shadowAlerts.set(o.api, (budget = { start: o.ts, count: 0 }));
    if (budget.count >= MAX_SHADOW_ALERTS) {
      const many = `${o.api} * (more than ${MAX_SHADOW_ALERTS} undeclared paths)`;
      if (!this.cooldowns.shadowTraffic.fire(many, o.ts)) return;
      out.push(draft(o, 'shadowTraffic', 'low', `traffic to more than ${MAX_SHADOW_ALERTS} undeclared paths of ${o.api} in ${seconds(windowMs)}; the others are not alerted one by one`,
        { kind: 'operation', value: many }, budget.count + 1, MAX_SHADOW_ALERTS, windowMs, [o.requestId], { template, caller: o.caller }));
      return;
    }
    if (!this.cooldowns.shadowTraffic.fire(key, o.ts)) return;
    budget.count++;
    out.push(draft(o, 'shadowTraffic', 'low', `traffic to undeclared ${o.method} ${template} of ${o.api}`,
      { kind: 'operation', value: key }, 1, 1, this.settings.shadowTraffic.windowMs, [o.requestId], { template, caller: o.caller }));
  }

  /** Traffic to a deprecated operation or to an API that a newer version replaces. */
  private zombieTraffic(o: Observation, out: AlertDraft[]): void {
    if (o.unmatched || (!o.deprecated && !this.olderApis.has(o.api))) return;
    const key = `${o.api} ${o.method} ${o.path}`;
    if (!this.cooldowns.zombieTraffic.fire(key, o.ts)) return;
    const why = o.deprecated ? 'deprecated' : 'older-version';
    out.push(draft(o, 'zombieTraffic', 'low', `traffic to ${why} operation ${o.operation ?? o.path} of ${o.api}`,
      { kind: 'operation', value: key }, 1, 1, this.settings.zombieTraffic.windowMs, [o.requestId], { reason: why, caller: o.caller }));
  }

  private sweep(now: number): void {
    this.failures.sweep(now);
    this.objects.sweep(now);
    this.volume.sweep(now);
    this.refusals.sweep(now);
    for (const c of Object.values(this.cooldowns)) c.sweep(now);
    const idle = this.settings.rateSpike.windowMs * 60;
    for (const [k, b] of this.baselines) if (now - b.windowStart > idle) this.baselines.delete(k);
  }
}

/** `<api> <operation>`: made once per route by the gateway, built here for other sources. */
function operationKeyOf(o: Observation): string {
  return o.operationKey ?? `${o.api} ${o.operation ?? ''}`;
}

function callerSubject(o: Observation): AlertSubject {
  return o.subject === undefined
    ? { kind: 'ip', value: o.caller, ip: o.ip }
    : {
      kind: 'identity', value: o.caller, ip: o.ip, subject: o.subject,
      ...(o.credentialId === undefined ? {} : { credentialId: o.credentialId }),
      ...(o.jti === undefined ? {} : { jti: o.jti }),
      ...(o.exp === undefined ? {} : { exp: o.exp }),
    };
}

function draft(o: Observation, type: AlertDraft['type'], severity: AlertDraft['severity'], summary: string, subject: AlertSubject,
  count: number, threshold: number, windowMs: number, requestIds: readonly string[], extra: Record<string, unknown> = {}): AlertDraft {
  return {
    type, severity, ts: o.ts, summary, api: o.api,
    ...(o.operation === undefined ? {} : { operation: o.operation }),
    subject,
    evidence: { ...extra, count, threshold, windowMs, sampleRequestIds: [...new Set(requestIds)].slice(-5) },
  };
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
