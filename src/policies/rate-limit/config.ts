import type { RawProblem } from '../../config/problem.js';

/** What a limit counts by; several combine into one key (`ip+operation`). */
export type LimitKey = 'identity' | 'credential' | 'ip' | 'api' | 'operation';
export type QuotaPeriod = 'hour' | 'day' | 'month';
export type StoreFailure = 'closed' | 'open';

export interface RateRule {
  readonly kind: 'rate';
  /** Name in the RateLimit / RateLimit-Policy headers. */
  readonly name: string;
  readonly by: readonly LimitKey[];
  /** `count` requests per `windowMs`, sustained. */
  readonly count: number;
  readonly windowMs: number;
  /** Requests that may arrive back to back from a full bucket; defaults to `count`. */
  readonly burst: number;
  /** Operation ids the limit applies to; every operation when undefined. */
  readonly operations: readonly string[] | undefined;
}

export interface QuotaRule {
  readonly kind: 'quota';
  readonly name: string;
  readonly by: readonly LimitKey[];
  readonly count: number;
  /** Calendar period (UTC) the count resets at the start of. */
  readonly period: QuotaPeriod;
  readonly operations: readonly string[] | undefined;
}

export type LimitRule = RateRule | QuotaRule;

export interface RateLimitConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  /** When the store cannot answer: refuse (503), or count locally in this process. */
  readonly onStoreFailure: StoreFailure;
  readonly limits: readonly LimitRule[];
}

const KEYS = ['identity', 'credential', 'ip', 'api', 'operation'] as const;
const KEY_PATTERN = `^(${KEYS.join('|')})(\\+(${KEYS.join('|')}))*$`;
const UNIT = '(ms|s|sec|second|m|min|minute|h|hour|d|day)';
const RATE = new RegExp(`^(\\d+)\\s*/\\s*(\\d+(?:\\.\\d+)?)?\\s*${UNIT}$`);
const QUOTA = /^(\d+)\s*\/\s*(hour|day|month)$/;
const UNIT_MS: Record<string, number> = {
  ms: 1, s: 1000, sec: 1000, second: 1000, m: 60_000, min: 60_000, minute: 60_000, h: 3_600_000, hour: 3_600_000, d: 86_400_000, day: 86_400_000,
};

export const STORE_FAILURE_SCHEMA = { enum: ['closed', 'open'], 'x-hint': 'must be closed (refuse with 503) or open (count in this process, logged and counted)' } as const;

export const RATE_LIMIT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['limits'],
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    onStoreFailure: STORE_FAILURE_SCHEMA,
    limits: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['by'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,40}$', 'x-hint': 'must be 1-40 letters, digits, _ . -' },
          by: { type: 'string', pattern: KEY_PATTERN, 'x-hint': `must be one of ${KEYS.join(', ')}, or several joined with + (ip+operation)` },
          rate: { type: 'string', pattern: RATE.source, 'x-hint': 'must be a rate such as 100/min, 10/s, 5/15m' },
          burst: { type: 'integer', minimum: 1 },
          quota: { type: 'string', pattern: QUOTA.source, 'x-hint': 'must be a quota such as 1000/hour, 10000/day, 100000/month' },
          operations: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

type Raw = Record<string, unknown>;

/** Parses `100/min`, `5/15m`: the count and the window in milliseconds. */
export function parseRate(text: string): { count: number; windowMs: number } | undefined {
  const m = RATE.exec(text.trim());
  if (m === null) return undefined;
  const count = Number(m[1]);
  const windowMs = Number(m[2] ?? 1) * (UNIT_MS[m[3] as string] ?? 1000);
  return count > 0 && windowMs > 0 ? { count, windowMs } : undefined;
}

/** Applies defaults; `problems` receives what the schema cannot say (exactly one of rate, quota). */
export function normalizeRateLimit(raw: Raw, path: (string | number)[], problems: RawProblem[]): RateLimitConfig {
  const limits: LimitRule[] = [];
  const names = new Set<string>();
  (raw.limits as Raw[]).forEach((r, i) => {
    const at = [...path, 'limits', i];
    const by = (r.by as string).split('+') as LimitKey[];
    const operations = r.operations as string[] | undefined;
    const rate = r.rate === undefined ? undefined : parseRate(r.rate as string);
    const quota = r.quota === undefined ? undefined : QUOTA.exec((r.quota as string).trim());
    if ((r.rate === undefined) === (r.quota === undefined)) {
      problems.push({ path: at, message: 'needs exactly one of rate (e.g. 100/min) or quota (e.g. 10000/day)' });
      return;
    }
    const name = (r.name as string | undefined) ?? `${r.by as string}${rate === undefined ? `-${quota?.[2] ?? ''}` : ''}`.replaceAll('+', '-');
    if (names.has(name)) problems.push({ path: [...at, 'name'], message: `duplicate limit name "${name}": give each limit its own name` });
    names.add(name);
    if (rate !== undefined) {
      const burst = (r.burst as number | undefined) ?? rate.count;
      limits.push({ kind: 'rate', name, by, count: rate.count, windowMs: rate.windowMs, burst, operations });
    } else if (quota !== undefined && quota !== null) {
      if (r.burst !== undefined) problems.push({ path: [...at, 'burst'], message: 'burst applies to rate limits, not quotas' });
      limits.push({ kind: 'quota', name, by, count: Number(quota[1]), period: quota[2] as QuotaPeriod, operations });
    } else {
      problems.push({ path: [...at, 'rate'], message: 'must be a rate with a positive count and window, such as 100/min' });
    }
  });
  return {
    mode: (raw.mode as RateLimitConfig['mode'] | undefined) ?? 'enforce',
    onStoreFailure: (raw.onStoreFailure as StoreFailure | undefined) ?? 'closed',
    limits,
  };
}
