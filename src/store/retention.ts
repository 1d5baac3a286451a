import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DURATION_SCHEMA, parseDuration } from '../config/units.js';
import type { Store } from './ports.js';

/** How long and how much of one records stream is kept. Undefined: no bound of that kind. */
export interface RetentionRule {
  readonly maxAgeMs: number | undefined;
  readonly maxRecords: number | undefined;
}

/** `retention:` in gatehouse.yaml: the records streams the gateway and `--store` write, each with its bounds. */
export interface RetentionConfig {
  readonly inventory: RetentionRule;
  readonly decisions: RetentionRule;
  readonly alerts: RetentionRule;
  /** Audit and scan reports stored with `--store`. */
  readonly reports: RetentionRule;
  /** The configuration history: every start and reload, refused ones too (admin.reloads). */
  readonly reloads: RetentionRule;
  /** How often the oldest records are deleted. */
  readonly intervalMs: number;
}

const DAY = 86_400_000;

/*
 * Defaults bound every store, the embedded SQLite file included, to a few hundred megabytes per
 * stream (records are 300 B to 1.5 KB): the inventory writes a row per active path per flush,
 * the decision trail one record per authenticated request. Alerts are rare and worth a year.
 */
export const DEFAULT_RETENTION: RetentionConfig = {
  inventory: { maxAgeMs: 30 * DAY, maxRecords: 1_000_000 },
  decisions: { maxAgeMs: 30 * DAY, maxRecords: 1_000_000 },
  alerts: { maxAgeMs: 365 * DAY, maxRecords: 100_000 },
  // A run per commit or per night for a year, per API; a report is one record of up to a few MB.
  reports: { maxAgeMs: 365 * DAY, maxRecords: 10_000 },
  // A record per start and reload with the masked config file (a few KB): a year of a watched
  // file saved many times a day still fits.
  reloads: { maxAgeMs: 365 * DAY, maxRecords: 10_000 },
  intervalMs: 5 * 60_000,
};

const rule = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxAge: { ...DURATION_SCHEMA, 'x-hint': 'must be a duration such as 30d or 12h (0: no age limit)' },
    maxRecords: { type: 'integer', minimum: 0, 'x-hint': 'must be a whole number of records (0: no size limit)' },
  },
} as const;

export const RETENTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: { inventory: rule, decisions: rule, alerts: rule, reports: rule, reloads: rule, interval: DURATION_SCHEMA },
} as const;

type Raw = Record<string, unknown> | undefined;

function normalizeRule(raw: Raw, d: RetentionRule): RetentionRule {
  const age = raw?.maxAge === undefined ? d.maxAgeMs : parseDuration(raw.maxAge as string | number);
  const records = raw?.maxRecords === undefined ? d.maxRecords : (raw.maxRecords as number);
  return { maxAgeMs: age === 0 ? undefined : age, maxRecords: records === 0 ? undefined : records };
}

export function normalizeRetention(raw: Raw): RetentionConfig {
  const d = DEFAULT_RETENTION;
  const interval = raw?.interval === undefined ? undefined : parseDuration(raw.interval as string | number);
  return {
    inventory: normalizeRule(raw?.inventory as Raw, d.inventory),
    decisions: normalizeRule(raw?.decisions as Raw, d.decisions),
    alerts: normalizeRule(raw?.alerts as Raw, d.alerts),
    reports: normalizeRule(raw?.reports as Raw, d.reports),
    reloads: normalizeRule(raw?.reloads as Raw, d.reloads),
    intervalMs: interval === undefined || interval === 0 ? d.intervalMs : Math.max(1000, interval),
  };
}

/** One stream to trim and its bounds. */
export interface RetentionTarget extends RetentionRule {
  readonly stream: string;
}

export interface RetentionOptions {
  readonly logger: Logger;
  /** Told how many records each pass deleted per stream (a metric). */
  readonly onTrimmed?: (stream: string, deleted: number) => void;
  /** Told about a pass that failed (a metric); the next pass tries again. */
  readonly onFailure?: (stream: string) => void;
  readonly now?: () => number;
}

const LOCK_KEY = 'retention:lock';

/**
 * Deletes the oldest records of the streams the gateway writes, every `intervalMs`: those older
 * than `maxAgeMs`, and all but the newest `maxRecords`. Gateways sharing a store take turns (a
 * kv lock per interval), so a cluster trims once per interval, not once per gateway.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly owner = randomUUID();
  private readonly now: () => number;

  constructor(private readonly store: Store, private targets: readonly RetentionTarget[], private intervalMs: number, private readonly options: RetentionOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts the schedule: a first pass soon after start, then one per interval. */
  start(firstDelayMs = 10_000): void {
    this.schedule(firstDelayMs);
  }

  /** New bounds (a reload); they apply from the next pass. */
  configure(targets: readonly RetentionTarget[], intervalMs: number): void {
    this.targets = targets;
    if (intervalMs !== this.intervalMs) {
      this.intervalMs = intervalMs;
      if (this.timer !== undefined) this.schedule(intervalMs);
    }
  }

  /** One pass over every stream now; resolves with what it deleted per stream. Never rejects. */
  async runOnce(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const target of this.targets) {
      if (target.maxAgeMs === undefined && target.maxRecords === undefined) continue;
      try {
        const n = await this.store.records.trim(target.stream, {
          ...(target.maxAgeMs === undefined ? {} : { before: this.now() - target.maxAgeMs }),
          ...(target.maxRecords === undefined ? {} : { keep: target.maxRecords }),
        });
        deleted[target.stream] = n;
        this.options.onTrimmed?.(target.stream, n);
      } catch (error) {
        this.options.onFailure?.(target.stream);
        this.options.logger.warn({ err: error, stream: target.stream }, 'retention: could not delete old records; trying again next interval');
      }
    }
    const total = Object.values(deleted).reduce((a, b) => a + b, 0);
    if (total > 0) this.options.logger.info({ deleted }, 'retention: deleted old records');
    return deleted;
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.runIfTurn().then(() => undefined).finally(() => {
        this.running = undefined;
        if (this.timer !== undefined) this.schedule(this.intervalMs);
      });
    }, ms);
    this.timer.unref();
  }

  /**
   * One scheduled pass, if it is this gateway's turn: the first gateway of the interval takes a
   * kv lock held a little less than the interval; the others skip. A store whose kv cannot
   * answer lets every gateway try (the trims then fail and are logged, or succeed twice harmlessly).
   */
  async runIfTurn(): Promise<boolean> {
    const turn = await this.store.kv.setIfAbsent(LOCK_KEY, this.owner, Math.max(1000, this.intervalMs - 1000)).catch(() => true);
    if (turn) await this.runOnce();
    return turn;
  }
}
