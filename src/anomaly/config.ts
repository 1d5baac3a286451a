import type { RawProblem } from '../config/problem.js';
import { parseDuration, parseSize } from '../config/units.js';
import { DURATION_SCHEMA } from '../config/units.js';

/** Every alert type; each has a runbook at docs/runbooks/<kebab-case>.md. */
export const ALERT_TYPES = ['rateSpike', 'credentialStuffing', 'enumeration', 'exfiltration', 'newOperation', 'refusalCluster', 'shadowTraffic', 'zombieTraffic'] as const;
export type AlertType = (typeof ALERT_TYPES)[number];

export const RESPONSE_ACTIONS = ['block-ip', 'block-identity', 'tighten-rate', 'revoke', 'none'] as const;
export type ResponseAction = (typeof RESPONSE_ACTIONS)[number];

export interface WebhookSink {
  readonly url: string;
  /** HMAC-SHA256 key; the signature goes in `x-gatehouse-signature`. */
  readonly secret: string | undefined;
  readonly format: 'json' | 'slack';
  readonly attempts: number;
  readonly timeoutMs: number;
}

export interface DetectorSettings {
  readonly rateSpike: { readonly enabled: boolean; readonly windowMs: number; readonly factor: number; readonly minRequests: number; readonly learningWindows: number };
  readonly credentialStuffing: { readonly enabled: boolean; readonly windowMs: number; readonly failures: number };
  readonly enumeration: { readonly enabled: boolean; readonly windowMs: number; readonly distinctIds: number };
  readonly exfiltration: { readonly enabled: boolean; readonly windowMs: number; readonly bytes: number };
  readonly newOperation: { readonly enabled: boolean; readonly learningMs: number; readonly minRequests: number };
  readonly refusalCluster: { readonly enabled: boolean; readonly windowMs: number; readonly refusals: number };
  readonly shadowTraffic: { readonly enabled: boolean; readonly windowMs: number };
  readonly zombieTraffic: { readonly enabled: boolean; readonly windowMs: number };
}

export interface MonitoringConfig {
  readonly enabled: boolean;
  readonly webhooks: readonly WebhookSink[];
  readonly respond: Readonly<Partial<Record<AlertType, ResponseAction>>>;
  /** How long an automatic block or throttle lasts. */
  readonly blockMs: number;
  /** The rate a `tighten-rate` response imposes, per minute. */
  readonly tightenedPerMinute: number;
  /** Prefix of the runbook link in each alert (a URL of your docs site, or the repository path). */
  readonly runbookBase: string;
  /** Minimum confidence (0..1) to raise an alert, and to take its automatic response. */
  readonly confidence: { readonly alert: number; readonly respond: number };
  readonly detectors: DetectorSettings;
}

export const DEFAULT_DETECTORS: DetectorSettings = {
  rateSpike: { enabled: true, windowMs: 60_000, factor: 5, minRequests: 100, learningWindows: 5 },
  credentialStuffing: { enabled: true, windowMs: 60_000, failures: 20 },
  enumeration: { enabled: true, windowMs: 60_000, distinctIds: 50 },
  exfiltration: { enabled: true, windowMs: 300_000, bytes: 50 * 1024 * 1024 },
  newOperation: { enabled: true, learningMs: 3_600_000, minRequests: 50 },
  refusalCluster: { enabled: true, windowMs: 60_000, refusals: 10 },
  shadowTraffic: { enabled: true, windowMs: 3_600_000 },
  zombieTraffic: { enabled: true, windowMs: 3_600_000 },
};

export const DEFAULT_MONITORING: MonitoringConfig = {
  enabled: true, webhooks: [], respond: {}, blockMs: 900_000, tightenedPerMinute: 10, runbookBase: 'docs/runbooks/',
  confidence: { alert: 0.5, respond: 0.8 }, detectors: DEFAULT_DETECTORS,
};

const duration = DURATION_SCHEMA;
const size = { type: ['integer', 'string'], minimum: 0, pattern: '^\\d+(\\.\\d+)?\\s*([kmg]i?b|b)?$', 'x-hint': 'must be a size such as 64kb, 10mb' };
const closed = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', additionalProperties: false, properties, required });
const count = { type: 'integer', minimum: 1 };

export const MONITORING_SCHEMA = closed({
  enabled: { type: 'boolean' },
  alerts: {
    type: 'array',
    items: closed({
      webhook: { type: 'string', pattern: '^https?://', 'x-hint': 'must be an http:// or https:// URL' },
      secret: { type: 'string', minLength: 16, 'x-hint': 'must be at least 16 characters (use ${secret:name})' },
      format: { enum: ['json', 'slack'] },
      attempts: { type: 'integer', minimum: 1, maximum: 20 },
      timeout: duration,
    }, ['webhook']),
  },
  respond: {
    type: 'object',
    additionalProperties: false,
    properties: Object.fromEntries(ALERT_TYPES.map((t) => [t, { enum: RESPONSE_ACTIONS, 'x-hint': `must be one of ${RESPONSE_ACTIONS.join(', ')}` }])),
  },
  blockFor: duration,
  tightenedRate: { type: 'string', pattern: '^\\d+/min$', 'x-hint': 'must be a rate per minute such as 10/min' },
  runbookBase: { type: 'string', minLength: 1 },
  confidence: closed({ alert: { type: 'number', minimum: 0, maximum: 1 }, respond: { type: 'number', minimum: 0, maximum: 1 } }),
  detectors: closed({
    rateSpike: closed({ enabled: { type: 'boolean' }, window: duration, factor: { type: 'number', minimum: 1 }, minRequests: count, learningWindows: count }),
    credentialStuffing: closed({ enabled: { type: 'boolean' }, window: duration, failures: count }),
    enumeration: closed({ enabled: { type: 'boolean' }, window: duration, distinctIds: count }),
    exfiltration: closed({ enabled: { type: 'boolean' }, window: duration, bytes: size }),
    newOperation: closed({ enabled: { type: 'boolean' }, learning: duration, minRequests: count }),
    refusalCluster: closed({ enabled: { type: 'boolean' }, window: duration, refusals: count }),
    shadowTraffic: closed({ enabled: { type: 'boolean' }, window: duration }),
    zombieTraffic: closed({ enabled: { type: 'boolean' }, window: duration }),
  }),
});

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function ms(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const v = parseDuration(value as string | number);
  return v === undefined || v === 0 ? fallback : v;
}

export function normalizeMonitoring(raw: Raw | undefined, problems: RawProblem[]): MonitoringConfig {
  if (raw === undefined) return DEFAULT_MONITORING;
  const d = DEFAULT_DETECTORS;
  const r: Raw = raw.detectors ?? {};
  const webhooks: WebhookSink[] = ((raw.alerts ?? []) as Raw[]).map((a, i) => {
    if (a.format !== 'slack' && a.secret === undefined) {
      problems.push({ path: ['monitoring', 'alerts', i, 'secret'], message: 'a JSON webhook needs a secret so the receiver can verify the signature' });
    }
    return { url: a.webhook as string, secret: a.secret as string | undefined, format: (a.format ?? 'json') as 'json' | 'slack', attempts: (a.attempts as number | undefined) ?? 5, timeoutMs: ms(a.timeout, 5000) };
  });
  const on = (x: Raw | undefined, dflt: boolean): boolean => (x?.enabled as boolean | undefined) ?? dflt;
  const detectors: DetectorSettings = {
    rateSpike: { enabled: on(r.rateSpike, true), windowMs: ms(r.rateSpike?.window, d.rateSpike.windowMs), factor: r.rateSpike?.factor ?? d.rateSpike.factor, minRequests: r.rateSpike?.minRequests ?? d.rateSpike.minRequests, learningWindows: r.rateSpike?.learningWindows ?? d.rateSpike.learningWindows },
    credentialStuffing: { enabled: on(r.credentialStuffing, true), windowMs: ms(r.credentialStuffing?.window, d.credentialStuffing.windowMs), failures: r.credentialStuffing?.failures ?? d.credentialStuffing.failures },
    enumeration: { enabled: on(r.enumeration, true), windowMs: ms(r.enumeration?.window, d.enumeration.windowMs), distinctIds: r.enumeration?.distinctIds ?? d.enumeration.distinctIds },
    exfiltration: { enabled: on(r.exfiltration, true), windowMs: ms(r.exfiltration?.window, d.exfiltration.windowMs), bytes: r.exfiltration?.bytes === undefined ? d.exfiltration.bytes : parseSize(r.exfiltration.bytes as string | number) ?? d.exfiltration.bytes },
    newOperation: { enabled: on(r.newOperation, true), learningMs: ms(r.newOperation?.learning, d.newOperation.learningMs), minRequests: r.newOperation?.minRequests ?? d.newOperation.minRequests },
    refusalCluster: { enabled: on(r.refusalCluster, true), windowMs: ms(r.refusalCluster?.window, d.refusalCluster.windowMs), refusals: r.refusalCluster?.refusals ?? d.refusalCluster.refusals },
    shadowTraffic: { enabled: on(r.shadowTraffic, true), windowMs: ms(r.shadowTraffic?.window, d.shadowTraffic.windowMs) },
    zombieTraffic: { enabled: on(r.zombieTraffic, true), windowMs: ms(r.zombieTraffic?.window, d.zombieTraffic.windowMs) },
  };
  const confidence = {
    alert: (raw.confidence?.alert as number | undefined) ?? DEFAULT_MONITORING.confidence.alert,
    respond: (raw.confidence?.respond as number | undefined) ?? DEFAULT_MONITORING.confidence.respond,
  };
  if (confidence.respond < confidence.alert) {
    problems.push({ path: ['monitoring', 'confidence', 'respond'], message: `must be at least confidence.alert (${confidence.alert}): a response needs an alert to follow` });
  }
  return {
    enabled: (raw.enabled as boolean | undefined) ?? true,
    webhooks,
    respond: (raw.respond ?? {}) as Partial<Record<AlertType, ResponseAction>>,
    blockMs: ms(raw.blockFor, DEFAULT_MONITORING.blockMs),
    tightenedPerMinute: raw.tightenedRate === undefined ? DEFAULT_MONITORING.tightenedPerMinute : Number(String(raw.tightenedRate).split('/')[0]),
    runbookBase: (raw.runbookBase as string | undefined) ?? DEFAULT_MONITORING.runbookBase,
    confidence,
    detectors,
  };
}
