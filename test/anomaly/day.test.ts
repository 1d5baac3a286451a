import { describe, expect, it } from 'vitest';
import { generateDay } from '../../bench/anomaly/day.js';
import type { AlertDraft } from '../../src/anomaly/alert.js';
import { DEFAULT_DETECTORS } from '../../src/anomaly/config.js';
import { Detectors } from '../../src/anomaly/detectors.js';
import type { Observation } from '../../src/inventory/observation.js';

function replay(observations: readonly Observation[]): AlertDraft[] {
  const d = new Detectors(DEFAULT_DETECTORS);
  const alerts: AlertDraft[] = [];
  for (const o of observations) alerts.push(...d.feed(o));
  alerts.push(...d.drain(Number.MAX_SAFE_INTEGER, true));
  return alerts;
}

/**
 * A generated day (bench/anomaly/day.ts, a quarter of the size `npm run eval:anomaly` uses):
 * pagination, a nightly job, exports, a bot backing off with an expired key, an office behind
 * one address and a new user's bulk read of 2,000 records raise nothing; each attack raises its
 * one alert, with evidence.
 */
describe('a realistic day', () => {
  const normal = generateDay({ scale: 0.25 });
  const attacked = generateDay({ scale: 0.25, attacks: true });

  it('raises no alert for normal bulk patterns', () => {
    expect(normal.observations.length).toBeGreaterThan(20_000);
    expect(replay(normal.observations).map((a) => `${a.type} ${a.subject.value}`)).toEqual([]);
  });

  it('raises exactly one grouped alert per attack, with evidence and a confidence, and nothing else', () => {
    const alerts = replay(attacked.observations);
    expect(alerts.map((a) => `${a.type} ${a.subject.value}`).sort()).toEqual(attacked.attacks.map((k) => `${k.type} ${k.subject}`).sort());
    const by = (subject: string): AlertDraft => alerts.find((a) => a.subject.value === subject) as AlertDraft;

    const enumeration = by('sub:mallory');
    expect(enumeration.confidence).toBeGreaterThanOrEqual(0.8);
    expect(enumeration.evidence).toMatchObject({ count: 50, anonymous: false });
    expect(enumeration.evidence.refusedShare).toBeGreaterThan(0.7);

    const stuffing = by('ip:203.0.113.66');
    expect(stuffing.confidence).toBeGreaterThanOrEqual(0.8);
    expect(stuffing.evidence.failedShare).toBeGreaterThan(0.9);

    const scraping = by('ip:192.0.2.77');
    expect(scraping.evidence).toMatchObject({ anonymous: true });
    expect(scraping.evidence.walkShare).toBeGreaterThan(0.8);

    const shadow = by('ip:198.51.100.201');
    expect(shadow.evidence.count).toBe(2000);
    expect(shadow.evidence.examples).toHaveLength(5);
    for (const a of alerts) {
      expect(a.evidence.sampleRequestIds.length).toBeGreaterThan(0);
      expect(a.confidence).toBeGreaterThan(0);
    }
  });
});
