import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/anomaly/alert.js';
import { DEFAULT_DETECTORS, type DetectorSettings } from '../../src/anomaly/config.js';
import { Detectors } from '../../src/anomaly/detectors.js';
import { obs } from './traffic.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function feedAll(d: Detectors, list: Parameters<typeof obs>[0][]): AlertDraft[] {
  return list.flatMap((o) => d.feed(obs(o)));
}

/** Three users with steady habits, a few object reads each, a failed login now and then, over `hours`. */
function normalDay(hours: number, start = 0): Parameters<typeof obs>[0][] {
  const out: Parameters<typeof obs>[0][] = [];
  const users = ['alice', 'bob', 'carol'];
  for (let t = start; t < start + hours * HOUR; t += 20_000) {
    for (const [i, user] of users.entries()) {
      const ts = t + i * 1000;
      out.push({ ts, caller: `sub:${user}`, subject: user, ip: `10.0.0.${i + 1}`, objectKey: String((ts / 20_000) % 5 | 0), operation: 'getUser' });
      if ((ts / 20_000) % 7 === 0) out.push({ ts: ts + 10, caller: `sub:${user}`, subject: user, ip: `10.0.0.${i + 1}`, operation: 'listOrders', objectKey: undefined });
      if ((ts / 20_000) % 90 === 0) out.push({ ts: ts + 20, caller: `ip:10.0.0.${i + 1}`, subject: undefined, ip: `10.0.0.${i + 1}`, operation: 'login', objectKey: undefined, status: 401 });
    }
  }
  return out;
}

describe('anomaly detectors (injected time)', () => {
  it('raise no alert for normal traffic over two days', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    expect(feedAll(d, normalDay(48))).toEqual([]);
  });

  it('raise exactly one enumeration alert when one caller walks many ids, and none for its twin reading the same few', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    feedAll(d, normalDay(2));
    const start = 2 * HOUR;
    const walk = Array.from({ length: 120 }, (_, i) => ({ ts: start + i * 300, caller: 'sub:mallory', subject: 'mallory', ip: '203.0.113.9', objectKey: String(1000 + i) }));
    const twin = Array.from({ length: 120 }, (_, i) => ({ ts: start + i * 300, caller: 'sub:dave', subject: 'dave', ip: '10.0.0.9', objectKey: String(i % 3) }));
    const alerts = feedAll(d, [...walk, ...twin].sort((a, b) => a.ts - b.ts));
    expect(alerts.map((a) => `${a.type} ${a.subject.value}`)).toEqual(['enumeration sub:mallory']);
    expect(alerts[0]?.evidence.count).toBe(50);
    expect(alerts[0]?.evidence.sampleRequestIds).toHaveLength(5);
  });

  it('raise exactly one credential-stuffing alert for a burst of 401s from one address', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const burst = Array.from({ length: 60 }, (_, i) => ({ ts: i * 500, caller: 'ip:198.51.100.7', subject: undefined, ip: '198.51.100.7', operation: 'login', objectKey: undefined, status: 401 }));
    const alerts = feedAll(d, burst);
    expect(alerts.map((a) => a.type)).toEqual(['credentialStuffing']);
    expect(alerts[0]?.subject).toEqual({ kind: 'ip', value: 'ip:198.51.100.7', ip: '198.51.100.7' });
    // Twin: the same number of failures spread over an hour is normal forgetfulness.
    const slow = new Detectors(DEFAULT_DETECTORS);
    expect(feedAll(slow, burst.map((o, i) => ({ ...o, ts: i * MIN })))).toEqual([]);
  });

  it('raise a rate spike only against a learned baseline', () => {
    const settings: DetectorSettings = { ...DEFAULT_DETECTORS, enumeration: { ...DEFAULT_DETECTORS.enumeration, enabled: false } };
    const d = new Detectors(settings);
    const steady = Array.from({ length: 10 * 30 }, (_, i) => ({ ts: i * 2000, objectKey: '1' })); // 30/min for 10 min
    expect(feedAll(d, steady)).toEqual([]);
    const spike = Array.from({ length: 400 }, (_, i) => ({ ts: 10 * MIN + i * 100, objectKey: '1' }));
    const alerts = feedAll(d, spike);
    expect(alerts.map((a) => a.type)).toEqual(['rateSpike']);
    // A brand-new caller arriving fast has no baseline yet: no accusation.
    const fresh = new Detectors(settings);
    expect(feedAll(fresh, spike.map((o) => ({ ...o, caller: 'sub:new', subject: 'new' })))).toEqual([]);
  });

  it('raise exfiltration on unusual response volume', () => {
    const d = new Detectors({ ...DEFAULT_DETECTORS, exfiltration: { enabled: true, windowMs: 5 * MIN, bytes: 10_000_000 } });
    const alerts = feedAll(d, Array.from({ length: 30 }, (_, i) => ({ ts: i * 1000, responseBytes: 500_000, objectKey: '1' })));
    expect(alerts.map((a) => a.type)).toEqual(['exfiltration']);
  });

  it('raise newOperation when an established identity uses an operation for the first time', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const habits = Array.from({ length: 200 }, (_, i) => ({ ts: i * 30_000, objectKey: '1' }));
    expect(feedAll(d, habits)).toEqual([]);
    const alerts = feedAll(d, [{ ts: 200 * 30_000, operation: 'deleteUser', objectKey: '1' }]);
    expect(alerts.map((a) => a.type)).toEqual(['newOperation']);
  });

  it('raise refusalCluster when injection and validation refusals gather on one caller', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const probes = Array.from({ length: 12 }, (_, i) => ({ ts: i * 1000, status: 400, code: i % 2 === 0 ? 'GH_INJECTION_DETECTED' : 'GH_CONTRACT_BODY_INVALID', objectKey: undefined }));
    expect(feedAll(d, probes).map((a) => a.type)).toEqual(['refusalCluster']);
  });

  it('count ambiguity refusals as probes, and not a client\'s encoding refused for the API\'s charset', () => {
    const refusals = (code: string) => Array.from({ length: 12 }, (_, i) => ({ ts: i * 1000, status: 400, code, objectKey: undefined }));
    expect(feedAll(new Detectors(DEFAULT_DETECTORS), refusals('GH_REQUEST_AMBIGUOUS')).map((a) => a.type)).toEqual(['refusalCluster']);
    expect(feedAll(new Detectors(DEFAULT_DETECTORS), refusals('GH_REQUEST_CHARSET_INVALID'))).toEqual([]);
    expect(feedAll(new Detectors(DEFAULT_DETECTORS), refusals('GH_REQUEST_ENCODING_MALFORMED'))).toEqual([]);
  });

  it('alerts at most 20 distinct shadow paths per API and window, then once that there are more', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const scan = Array.from({ length: 500 }, (_, i) => ({ ts: i, unmatched: true, operation: undefined, path: `/probe-${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26) % 26)}x`, objectKey: undefined }));
    const alerts = feedAll(d, scan);
    expect(alerts.filter((a) => a.type === 'shadowTraffic')).toHaveLength(21);
    expect(alerts.at(-1)?.subject.value).toBe('shop * (more than 20 undeclared paths)');
    // A new window starts the count again.
    const later = feedAll(d, [{ ts: 3_600_500, unmatched: true, operation: undefined, path: '/fresh', objectKey: undefined }]);
    expect(later.map((a) => a.subject.value)).toEqual(['shop GET /fresh']);
  });

  it('raise shadow and zombie traffic once per endpoint per window', () => {
    const d = new Detectors(DEFAULT_DETECTORS, new Set(['shop-v1']));
    const alerts = feedAll(d, [
      { ts: 0, unmatched: true, operation: undefined, path: '/internal/debug/12', objectKey: undefined },
      { ts: 1, unmatched: true, operation: undefined, path: '/internal/debug/13', objectKey: undefined },
      { ts: 2, deprecated: true, operation: 'oldReport', path: '/reports/old', objectKey: undefined },
      { ts: 3, api: 'shop-v1', operation: 'getUser', objectKey: undefined },
      { ts: 4, unmatched: true, operation: undefined, path: '/nope', status: 404, code: 'GH_ROUTE_NOT_FOUND', objectKey: undefined },
    ]);
    expect(alerts.map((a) => `${a.type} ${a.subject.value}`)).toEqual([
      'shadowTraffic shop GET /internal/debug/{id}',
      'zombieTraffic shop GET /reports/old',
      'zombieTraffic shop-v1 GET /users/{userId}',
    ]);
  });
});
