import type { Observation } from '../inventory/observation.js';
import { templatePath } from '../inventory/template.js';
import { NO_VERSIONS, type VersionRule } from '../inventory/versions.js';
import { severityFor, type AlertDraft, type Severity } from './alert.js';
import type { DetectorSettings } from './config.js';
import { callerSubject, EnumerationDetector } from './enumeration.js';
import { AlertGroups } from './groups.js';
import { Cooldown, evictOldest, Peaks, SlidingLog, SlidingSum } from './window.js';

/** Refusals that say "this caller is probing the contract": injection guard and validation. */
const PROBE_CODES = new Set(['GH_INJECTION_DETECTED', 'GH_CONTRACT_PARAMETER_INVALID', 'GH_CONTRACT_BODY_INVALID', 'GH_CONTRACT_UNKNOWN_FIELD', 'GH_CONTRACT_PROTOTYPE_POLLUTION', 'GH_CONTRACT_BODY_TOO_DEEP', 'GH_CONTRACT_BODY_TOO_COMPLEX', 'GH_REQUEST_SMUGGLING', 'GH_REQUEST_AMBIGUOUS']);

interface Baseline {
  windowStart: number; count: number; errors: number; baseline: number; windows: number; fired: boolean;
  /** The busiest window of earlier days (decaying), and of today: a nightly job is known the second night. */
  peak: number; dayPeak: number; dayStart: number;
}
interface Usage { first: number; requests: number; operations: Set<string> }
/** Per address with recent authentication failures: successes seen since its first failure. */
interface AuthTally { since: number; ok: number }

const SWEEP_EVERY = 5000;
const NONE: readonly AlertDraft[] = Object.freeze([]);
const MAX_OPERATIONS_PER_CALLER = 500;
const MAX_CALLERS = 100_000;
/** Callers using an operation beyond which a caller's first use of it is not news. */
const COMMON_OPERATION_USERS = 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * Callers per API and window given their own shadow (or zombie) alert. Anyone can send
 * undeclared paths without credentials: past this, the other callers share one alert.
 */
const MAX_GROUPS_PER_API = 20;
/** How long a shadow or zombie group gathers requests before it is raised (at most its window). */
const GATHER_MS = 60_000;
/** How long one caller alert covers its caller: a five-minute attack is one alert, not five. */
const ALERT_PERIOD_MS = 15 * 60_000;

export interface DetectorOptions {
  /** Minimum confidence to raise an alert (monitoring.confidence.alert). */
  readonly minConfidence?: number;
  /** Confidence that earns an automatic response (monitoring.confidence.respond): below it, evidence is gathered a little longer. */
  readonly respondConfidence?: number;
  /** Which operations and paths belong to older versions (the inventory's rule). */
  readonly versions?: VersionRule;
}

/**
 * Every detector, fed one observation at a time (in batches, off the request path). Windows
 * are per caller, IP or operation and live in this process; the time is each observation's own,
 * so a unit test drives them with made-up timestamps and no sleeps.
 *
 * Each caller detector weighs its evidence into a confidence and raises an alert only past
 * `minConfidence`; a caller's own history (Peaks) keeps what it did before without alarm from
 * alarming again. Traffic alerts (shadow, zombie) are grouped per caller and window.
 */
export class Detectors {
  private readonly failures: SlidingLog<string>;
  private readonly authTally = new Map<string, AuthTally>();
  /** Addresses that authenticated successfully before: a known client's, not an attacker's. */
  private readonly knownAddresses = new Set<string>();
  private readonly enumeration: EnumerationDetector;
  private readonly volume: SlidingSum;
  private readonly itemVolume: SlidingSum;
  private readonly volumePeaks = new Peaks(HOUR, 7 * DAY, MAX_CALLERS);
  private readonly refusals: SlidingLog<string>;
  private readonly baselines = new Map<string, Baseline>();
  private readonly usage = new Map<string, Usage>();
  /** Per operation, how many callers started using it: one that many use is no one's anomaly. */
  private readonly operationUsers = new Map<string, number>();
  /** Callers a specific detector alerted on, and when: their rate spike is that alert's symptom. */
  private readonly accused = new Map<string, number>();
  private readonly groups: AlertGroups;
  private readonly cooldowns: Record<'credentialStuffing' | 'rateSpike' | 'exfiltration' | 'refusalCluster' | 'newOperation', Cooldown>;
  private readonly minConfidence: number;
  private versions: VersionRule;
  private seen = 0;
  /** Collects one feed's alerts; handed out and replaced only when something fired. */
  private fired: AlertDraft[] = [];

  constructor(private readonly settings: DetectorSettings, options: DetectorOptions = {}) {
    const s = settings;
    this.minConfidence = options.minConfidence ?? 0.5;
    this.versions = options.versions ?? NO_VERSIONS;
    this.failures = new SlidingLog(s.credentialStuffing.windowMs, s.credentialStuffing.failures * 6);
    this.enumeration = new EnumerationDetector(s.enumeration, this.minConfidence, options.respondConfidence ?? 0.8);
    this.volume = new SlidingSum(s.exfiltration.windowMs);
    this.itemVolume = new SlidingSum(s.exfiltration.windowMs);
    this.refusals = new SlidingLog(s.refusalCluster.windowMs, s.refusalCluster.refusals * 2);
    this.groups = new AlertGroups(Math.min(GATHER_MS, s.shadowTraffic.windowMs, s.zombieTraffic.windowMs), MAX_GROUPS_PER_API);
    this.cooldowns = {
      credentialStuffing: new Cooldown(Math.max(s.credentialStuffing.windowMs, ALERT_PERIOD_MS)),
      rateSpike: new Cooldown(Math.max(s.rateSpike.windowMs, ALERT_PERIOD_MS)),
      exfiltration: new Cooldown(Math.max(s.exfiltration.windowMs, ALERT_PERIOD_MS)),
      refusalCluster: new Cooldown(Math.max(s.refusalCluster.windowMs, ALERT_PERIOD_MS)),
      newOperation: new Cooldown(s.newOperation.learningMs),
    };
  }

  /** The alerts this observation raises; the shared empty list when none (the usual case). */
  feed(o: Observation): readonly AlertDraft[] {
    const out = this.fired;
    const s = this.settings;
    this.groups.raiseDue(o.ts, out);
    if (s.credentialStuffing.enabled) this.credentialStuffing(o, out);
    if (s.enumeration.enabled) this.enumeration.feed(o, operationKeyOf(o), out);
    if (s.rateSpike.enabled) this.rateSpike(o, out);
    if (s.exfiltration.enabled) this.exfiltration(o, out);
    if (s.newOperation.enabled) this.newOperation(o, out);
    if (s.refusalCluster.enabled) this.refusalCluster(o, out);
    if (o.unmatched) { if (s.shadowTraffic.enabled || s.zombieTraffic.enabled) this.undeclared(o); }
    else if (s.zombieTraffic.enabled) this.zombieTraffic(o);
    if (++this.seen % SWEEP_EVERY === 0) this.sweep(o.ts);
    if (out.length === 0) return NONE;
    for (let i = 0; i < out.length; i++) this.remember(out[i] as AlertDraft);
    this.fired = [];
    return out;
  }

  private remember(a: AlertDraft): void {
    if (a.subject.kind !== 'operation' && a.type !== 'shadowTraffic' && a.type !== 'zombieTraffic') this.accused.set(a.subject.value, a.ts);
  }

  /** The configured APIs' version rule, once their specs are loaded (and again on reload). */
  useVersions(versions: VersionRule): void {
    this.versions = versions;
  }

  /**
   * Grouped alerts whose gathering time is over at `now` (all of them with `force`): called by
   * a timer, so a group is raised even when no more traffic comes, and at flush.
   */
  drain(now: number, force = false): readonly AlertDraft[] {
    const out: AlertDraft[] = [];
    this.groups.raiseDue(now, out, force);
    this.enumeration.drain(now, out, force);
    for (let i = 0; i < out.length; i++) this.remember(out[i] as AlertDraft);
    return out;
  }

  /**
   * Many 401/403 answers to one address: password spraying, stolen-credential lists, token
   * guessing. Weighed by the share of that address's requests that failed (an office behind one
   * NAT address mostly succeeds) and by whether it authenticated before.
   */
  private credentialStuffing(o: Observation, out: AlertDraft[]): void {
    const ip = o.ip;
    if (o.status !== 401 && o.status !== 403) {
      if (o.subject !== undefined && o.status < 400 && !this.knownAddresses.has(ip)) {
        if (this.knownAddresses.size >= MAX_CALLERS) evictOldest(this.knownAddresses, MAX_CALLERS);
        this.knownAddresses.add(ip);
      }
      const tally = this.authTally.get(ip);
      if (tally !== undefined) tally.ok++;
      return;
    }
    // An object the caller may not read is enumeration's evidence, not a failed credential.
    if (o.code === 'GH_AUTHZ_OBJECT_FORBIDDEN' || (o.status === 403 && o.subject !== undefined)) return;
    const c = this.settings.credentialStuffing;
    const log = this.failures.add(ip, o.ts, o.requestId);
    let tally = this.authTally.get(ip);
    if (tally === undefined || o.ts - tally.since > c.windowMs) this.authTally.set(ip, (tally = { since: log.ts[0] ?? o.ts, ok: 0 }));
    const failures = log.ts.length;
    if (failures < c.failures) return;
    const share = failures / (failures + tally.ok);
    const reasons: string[] = [];
    let confidence = 0.5;
    if (share >= 0.9) { confidence += 0.3; reasons.push(`${Math.round(share * 100)} % of this address's requests failed authentication`); }
    else if (share >= 0.5) { confidence += 0.1; reasons.push(`${Math.round(share * 100)} % of this address's requests failed authentication`); }
    else { confidence -= 0.2; reasons.push(`only ${Math.round(share * 100)} % of this address's requests failed (a shared address with many users?)`); }
    if (this.knownAddresses.has(ip)) { confidence -= 0.4; reasons.push('callers authenticated successfully from this address before'); }
    if (failures >= 3 * c.failures) { confidence += 0.1; reasons.push(`${failures} failures, 3x the threshold`); }
    confidence = clamp(confidence);
    if (confidence < this.minConfidence || !this.cooldowns.credentialStuffing.fire(ip, o.ts, confidence)) return;
    out.push(caller(o, 'credentialStuffing', confidence, 'high', `${failures} authentication failures from ${ip} in ${seconds(c.windowMs)}`,
      { kind: 'ip', value: `ip:${ip}`, ip }, failures, c.failures, c.windowMs, log.values, { failedShare: round(share), reasons }));
  }

  /**
   * A caller far above its own learned rate (an exponentially weighted average of past windows,
   * and the busiest window it had in the past week, so a nightly job is known the second night).
   * Volume alone is weak evidence: an authenticated caller going fast with answers that succeed
   * is a bulk read (enumeration and exfiltration judge what it reads; rate limits govern its
   * pace). It is raised when the caller is anonymous or many of its answers are refusals.
   */
  private rateSpike(o: Observation, out: AlertDraft[]): void {
    const c = this.settings.rateSpike;
    let b = this.baselines.get(o.caller);
    if (b === undefined) {
      if (this.baselines.size >= MAX_CALLERS) evictOldest(this.baselines, MAX_CALLERS);
      b = { windowStart: o.ts, count: 0, errors: 0, baseline: 0, windows: 0, fired: false, peak: 0, dayPeak: 0, dayStart: o.ts };
      this.baselines.set(o.caller, b);
    }
    if (o.ts - b.windowStart >= c.windowMs) {
      const elapsed = Math.floor((o.ts - b.windowStart) / c.windowMs);
      // Idle windows count as zero: the baseline decays while a caller is quiet.
      b.baseline = b.windows === 0 ? b.count : 0.3 * b.count + 0.7 * b.baseline;
      for (let i = 1; i < Math.min(elapsed, 20); i++) b.baseline *= 0.7;
      b.windows += elapsed;
      b.windowStart += elapsed * c.windowMs;
      if (!b.fired && b.count > b.dayPeak) b.dayPeak = b.count;
      b.count = 0;
      b.errors = 0;
      b.fired = false;
      if (o.ts - b.dayStart >= DAY) {
        b.peak = Math.max(b.peak * 0.5 ** ((o.ts - b.dayStart) / (7 * DAY)), b.dayPeak);
        b.dayPeak = 0;
        b.dayStart = o.ts;
      }
    }
    b.count++;
    if (o.status >= 400) b.errors++;
    if (b.fired || b.windows < c.learningWindows || b.count < c.minRequests || b.count <= c.factor * Math.max(b.baseline, 1)) return;
    if (b.count <= Math.max(b.peak, b.dayPeak) * 1.5) return; // as busy as it was before, without alarm
    const accused = this.accused.get(o.caller);
    if (accused !== undefined && o.ts - accused < ALERT_PERIOD_MS) return; // already explained by a specific alert
    const errorShare = b.errors / b.count;
    const anonymous = o.subject === undefined;
    const confidence = clamp(0.3 + (anonymous ? 0.3 : 0) + (errorShare >= 0.25 ? 0.3 : 0));
    if (confidence < this.minConfidence || !this.cooldowns.rateSpike.fire(o.caller, o.ts, confidence)) return;
    const reasons = [`${b.count} requests against a baseline of ${Math.round(b.baseline)} per window`];
    if (anonymous) reasons.push('anonymous caller');
    if (errorShare >= 0.25) reasons.push(`${Math.round(errorShare * 100)} % of its answers were errors or refusals`);
    b.fired = true;
    out.push(caller(o, 'rateSpike', confidence, 'medium', `${o.caller} sent ${b.count} requests this window, ${c.factor}x above its baseline of ${Math.round(b.baseline)}`,
      callerSubject(o), b.count, Math.ceil(c.factor * Math.max(b.baseline, 1)), c.windowMs, [o.requestId], { baseline: Math.round(b.baseline * 10) / 10, errorShare: round(errorShare), reasons }));
  }

  /**
   * Unusual response volume to one caller: data exfiltration (OWASP API3). Weighed by how it was
   * read: many item reads (scraping objects one by one) rather than a few large responses of an
   * export built for bulk; by anonymity; and by the caller's own past volume.
   */
  private exfiltration(o: Observation, out: AlertDraft[]): void {
    if (o.responseBytes <= 0) return;
    const c = this.settings.exfiltration;
    const total = this.volume.add(o.caller, o.ts, o.responseBytes);
    const items = o.objectKey === undefined ? this.itemVolume.peek(o.caller, o.ts) : this.itemVolume.add(o.caller, o.ts, o.responseBytes);
    this.volumePeaks.observe(o.caller, o.ts, total);
    if (total < c.bytes) return;
    const peak = this.volumePeaks.learned(o.caller, o.ts);
    const itemShare = items / total;
    const anonymous = o.subject === undefined;
    const machine = o.identityClass === 'api-key' || o.identityClass === 'mtls';
    const known = peak * 2 >= total;
    const confidence = clamp(0.4 + (itemShare >= 0.5 ? 0.2 : 0) + (anonymous ? 0.3 : 0) - (known ? 0.3 : 0) - (machine ? 0.1 : 0));
    if (confidence < this.minConfidence || !this.cooldowns.exfiltration.fire(o.caller, o.ts, confidence)) return;
    const reasons: string[] = [];
    if (itemShare >= 0.5) reasons.push(`${Math.round(itemShare * 100)} % of the bytes came from item reads, object by object`);
    if (anonymous) reasons.push('anonymous caller');
    if (known) reasons.push(`the caller received up to ${peak} bytes in an earlier window without an alert`);
    if (machine) reasons.push(`a machine client (${o.identityClass})`);
    this.volumePeaks.taint(o.caller);
    out.push(caller(o, 'exfiltration', confidence, 'high', `${o.caller} received ${total} bytes in ${seconds(c.windowMs)}`,
      callerSubject(o), total, c.bytes, c.windowMs, [o.requestId], { itemBytes: items, learnedPeak: peak, reasons }));
  }

  /** An established caller suddenly using an operation it never used: account takeover, BFLA probing. */
  private newOperation(o: Observation, out: AlertDraft[]): void {
    if (o.operation === undefined || o.subject === undefined) return; // anonymous callers have no stable habits
    const c = this.settings.newOperation;
    let u = this.usage.get(o.caller);
    if (u === undefined) {
      if (this.usage.size >= MAX_CALLERS) evictOldest(this.usage, MAX_CALLERS);
      u = { first: o.ts, requests: 0, operations: new Set() };
      this.usage.set(o.caller, u);
    }
    u.requests++;
    const key = operationKeyOf(o);
    if (u.operations.has(key)) return;
    if (u.operations.size < MAX_OPERATIONS_PER_CALLER) u.operations.add(key);
    const users = (this.operationUsers.get(key) ?? 0) + 1;
    if (this.operationUsers.size < MAX_CALLERS || users > 1) this.operationUsers.set(key, users);
    const learned = o.ts - u.first >= c.learningMs && u.requests > c.minRequests;
    // Placing a first order is what customers do: only an operation few callers use (an admin
    // or internal one) is worth a look when an established caller starts on it. It accuses
    // nobody, so it is raised as low.
    if (!learned || users > COMMON_OPERATION_USERS || this.minConfidence > 0.5 || !this.cooldowns.newOperation.fire(`${o.caller} ${key}`, o.ts)) return;
    out.push(caller(o, 'newOperation', 0.5, 'low', `${o.caller} used ${o.operation} for the first time after ${u.requests} requests`,
      callerSubject(o), 1, 1, c.learningMs, [o.requestId], { operationUsers: users }));
  }

  /** Validation and injection refusals clustering on one caller: someone fuzzing the API. */
  private refusalCluster(o: Observation, out: AlertDraft[]): void {
    if (o.code === undefined || !PROBE_CODES.has(o.code)) return;
    const c = this.settings.refusalCluster;
    const log = this.refusals.add(o.caller, o.ts, o.requestId);
    if (log.ts.length < c.refusals) return;
    // Each refusal is the guard's own verdict on a request: ten of them are hard to explain away.
    const confidence = clamp(0.7 + (log.ts.length >= 2 * c.refusals ? 0.1 : 0));
    if (confidence < this.minConfidence || !this.cooldowns.refusalCluster.fire(o.caller, o.ts, confidence)) return;
    out.push(caller(o, 'refusalCluster', confidence, 'medium', `${log.ts.length} injection or validation refusals for ${o.caller} in ${seconds(c.windowMs)}`,
      callerSubject(o), log.ts.length, c.refusals, c.windowMs, log.values));
  }

  /**
   * Traffic the gateway passed to a path no spec declares: zombie when the path is an older
   * version of a declared one (the inventory's rule), else shadow. Grouped per caller and window.
   */
  private undeclared(o: Observation): void {
    if (o.code !== undefined) return;
    if (this.versions.isOlderPath(o.path)) {
      if (this.settings.zombieTraffic.enabled) this.groups.add('zombieTraffic', `zombie ${o.api} ${o.caller}`, this.settings.zombieTraffic.windowMs, o, describeOlderPath, callerSubject);
      return;
    }
    if (this.settings.shadowTraffic.enabled) this.groups.add('shadowTraffic', `shadow ${o.api} ${o.caller}`, this.settings.shadowTraffic.windowMs, o, describeUndeclared, callerSubject);
  }

  /** Traffic to a deprecated operation or to one an older version of the API serves. */
  private zombieTraffic(o: Observation): void {
    if (!o.deprecated && !this.versions.isOlderOperationKey(operationKeyOf(o))) return;
    this.groups.add('zombieTraffic', `zombie ${o.api} ${o.caller}`, this.settings.zombieTraffic.windowMs, o, describeZombie, callerSubject);
  }

  private sweep(now: number): void {
    this.failures.sweep(now);
    this.enumeration.sweep(now);
    this.volume.sweep(now);
    this.itemVolume.sweep(now);
    this.volumePeaks.sweep(now);
    this.refusals.sweep(now);
    this.groups.sweep(now);
    for (const c of Object.values(this.cooldowns)) c.sweep(now);
    for (const [k, ts] of this.accused) if (now - ts >= ALERT_PERIOD_MS) this.accused.delete(k);
    for (const [ip, t] of this.authTally) if (now - t.since > this.settings.credentialStuffing.windowMs) this.authTally.delete(ip);
    const idle = Math.max(this.settings.rateSpike.windowMs * 60, 8 * DAY);
    for (const [k, b] of this.baselines) if (now - b.windowStart > idle) this.baselines.delete(k);
  }
}

function describeUndeclared(o: Observation): string {
  return `${o.method} ${templatePath(o.path)}`;
}

function describeOlderPath(o: Observation): string {
  return `${o.method} ${templatePath(o.path)} (older version, no longer declared)`;
}

function describeZombie(o: Observation): string {
  return `${o.method} ${o.path}${o.deprecated ? ' (deprecated)' : ' (older version)'}`;
}

/** `<api> <operation>`: made once per route by the gateway, built here for other sources. */
function operationKeyOf(o: Observation): string {
  return o.operationKey ?? `${o.api} ${o.operation ?? ''}`;
}

function caller(o: Observation, type: AlertDraft['type'], confidence: number, highest: Severity, summary: string, subject: AlertDraft['subject'],
  count: number, threshold: number, windowMs: number, requestIds: readonly string[], extra: Record<string, unknown> = {}): AlertDraft {
  return {
    type, severity: severityFor(confidence, highest), confidence, ts: o.ts, summary, api: o.api,
    ...(o.operation === undefined ? {} : { operation: o.operation }),
    subject,
    evidence: { ...extra, count, threshold, windowMs, sampleRequestIds: [...new Set(requestIds)].slice(-5) },
  };
}

function clamp(x: number): number {
  return Math.round(Math.min(1, Math.max(0, x)) * 100) / 100;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}
