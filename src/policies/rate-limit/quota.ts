import type { QuotaPeriod } from './config.js';

/** The current calendar period (UTC) of a quota: its id (part of the counter key) and its bounds. */
export interface PeriodWindow {
  readonly id: string;
  readonly startMs: number;
  readonly endMs: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;

/**
 * Quotas reset at calendar boundaries (UTC), which is what plans promise ("10 000 calls a day").
 * The period id is part of the key, so a new period starts a new counter with no reset step and
 * no race: the old counter just expires.
 */
export function periodAt(period: QuotaPeriod, nowMs: number): PeriodWindow {
  if (period === 'hour') {
    const n = Math.floor(nowMs / HOUR);
    return { id: `h${n}`, startMs: n * HOUR, endMs: (n + 1) * HOUR };
  }
  if (period === 'day') {
    const n = Math.floor(nowMs / DAY);
    return { id: `d${n}`, startMs: n * DAY, endMs: (n + 1) * DAY };
  }
  const d = new Date(nowMs);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return { id: `m${y * 12 + m}`, startMs: Date.UTC(y, m, 1), endMs: Date.UTC(y, m + 1, 1) };
}

/** Nominal period length for the RateLimit-Policy `w` parameter (a month counts as 30 days). */
export function periodMs(period: QuotaPeriod): number {
  return period === 'hour' ? HOUR : period === 'day' ? DAY : 30 * DAY;
}
