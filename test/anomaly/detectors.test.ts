import { describe, expect, it } from 'vitest';
import type { AlertDraft } from '../../src/anomaly/alert.js';
import { DEFAULT_DETECTORS, type DetectorSettings } from '../../src/anomaly/config.js';
import { Detectors } from '../../src/anomaly/detectors.js';
import { VersionRule } from '../../src/inventory/versions.js';
import { obs } from './traffic.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

function feedAll(d: Detectors, list: Parameters<typeof obs>[0][]): AlertDraft[] {
  return list.flatMap((o) => d.feed(obs(o)));
}

/** Feeds, then raises what is still gathering evidence (as the monitoring timer and flush do). */
function feedAndDrain(d: Detectors, list: Parameters<typeof obs>[0][]): AlertDraft[] {
  return [...feedAll(d, list), ...d.drain(Number.MAX_SAFE_INTEGER, true)];
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

  it('raise one enumeration alert for a walk of ids the caller is refused, and none for its twin reading its own', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    feedAll(d, normalDay(2));
    const start = 2 * HOUR;
    // Mallory walks 120 order ids; the object check refuses 9 in 10 of them as not hers.
    const walk = Array.from({ length: 120 }, (_, i) => ({ ts: start + i * 300, caller: 'sub:mallory', subject: 'mallory', ip: '203.0.113.9', objectKey: String(1000 + i),
      status: i % 10 === 0 ? 200 : 403, code: i % 10 === 0 ? undefined : 'GH_AUTHZ_OBJECT_FORBIDDEN' }));
    // Dave reads 120 of his own records at the same pace: every answer 200.
    const twin = Array.from({ length: 120 }, (_, i) => ({ ts: start + i * 300, caller: 'sub:dave', subject: 'dave', ip: '10.0.0.9', objectKey: String(5000 + i) }));
    const alerts = feedAll(d, [...walk, ...twin].sort((a, b) => a.ts - b.ts));
    expect(alerts.map((a) => `${a.type} ${a.subject.value}`)).toEqual(['enumeration sub:mallory']);
    const alert = alerts[0] as AlertDraft;
    expect(alert.evidence.count).toBe(50);
    expect(alert.evidence.sampleRequestIds).toHaveLength(5);
    expect(alert.confidence).toBeGreaterThanOrEqual(0.8);
    expect(alert.severity).toBe('high');
    expect(alert.evidence.refusedShare).toBeGreaterThanOrEqual(0.8);
    expect(alert.evidence.reasons).toEqual(expect.arrayContaining([expect.stringMatching(/refused as not the caller's/)]));
  });

  it('raise nothing for a bulk read of 2,000 records the caller owns, listed first or not', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const pages = Array.from({ length: 20 }, (_, i) => ({ ts: i * 500, caller: 'sub:dana', subject: 'dana', operation: 'listUsers', path: '/users', objectKey: undefined }));
    const read = Array.from({ length: 2000 }, (_, i) => ({ ts: 10_000 + i * 40, caller: 'sub:dana', subject: 'dana', objectKey: String(900_000 + i), responseBytes: 1500 }));
    expect(feedAll(d, [...pages, ...read])).toEqual([]);
    const unlisted = new Detectors(DEFAULT_DETECTORS);
    expect(feedAll(unlisted, read.map((o) => ({ ...o, caller: 'sub:erin', subject: 'erin' })))).toEqual([]);
  });

  it('raise a scraping alert for an anonymous id walk, more sure once ids turn out missing, and keep it to one per period', () => {
    const anon = { caller: 'ip:192.0.2.77', subject: undefined, ip: '192.0.2.77', operation: 'getProduct', path: '/products/{productId}' };
    // Not sure enough for a response: held for a window in case more evidence comes, then raised.
    const clean = feedAndDrain(new Detectors(DEFAULT_DETECTORS), Array.from({ length: 300 }, (_, i) => ({ ...anon, ts: i * 125, objectKey: String(i + 1) })));
    expect(clean.map((a) => [a.type, a.confidence])).toEqual([['enumeration', 0.6]]);
    // The same walk with gaps (ids that do not exist answer 404): one alert, with more confidence.
    const gaps = feedAndDrain(new Detectors(DEFAULT_DETECTORS), Array.from({ length: 3000 }, (_, i) => ({ ...anon, ts: i * 125, objectKey: String(i + 1), status: i % 10 === 3 ? 404 : 200 })));
    expect(gaps.map((a) => [a.type, a.confidence])).toEqual([['enumeration', 0.9]]);
  });

  it('learn a caller\'s habits: the nightly job known from last night is not news tonight, even with more missing ids', () => {
    const job = { caller: 'sub:nightly', subject: 'nightly', ip: '10.1.0.5', identityClass: 'api-key' };
    const night = (day: number, missing: number) => Array.from({ length: 3000 }, (_, i) => ({ ...job, ts: day * 24 * HOUR + 2 * HOUR + i * 20, objectKey: String(i), status: i % 100 < missing ? 404 : 200 }));
    const d = new Detectors(DEFAULT_DETECTORS);
    expect(feedAndDrain(d, night(0, 0))).toEqual([]);
    // 6 % missing on a walk: a stranger with that would be alerted (0.3 + 0.2 + 0.1).
    expect(feedAndDrain(new Detectors(DEFAULT_DETECTORS), night(1, 6)).map((a) => a.type)).toEqual(['enumeration']);
    expect(feedAndDrain(d, night(1, 6))).toEqual([]);
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

  it('raise a rate spike only against a learned baseline, and only when volume is not all there is', () => {
    const settings: DetectorSettings = { ...DEFAULT_DETECTORS, enumeration: { ...DEFAULT_DETECTORS.enumeration, enabled: false } };
    const anon = { caller: 'ip:198.51.100.3', subject: undefined, ip: '198.51.100.3' };
    const steady = Array.from({ length: 10 * 30 }, (_, i) => ({ ...anon, ts: i * 2000, objectKey: '1' })); // 30/min for 10 min
    const spike = Array.from({ length: 400 }, (_, i) => ({ ...anon, ts: 10 * MIN + i * 100, objectKey: '1' }));
    const d = new Detectors(settings);
    expect(feedAll(d, steady)).toEqual([]);
    const alerts = feedAll(d, spike);
    expect(alerts.map((a) => [a.type, a.confidence])).toEqual([['rateSpike', 0.6]]);
    // A brand-new caller arriving fast has no baseline yet: no accusation.
    expect(feedAll(new Detectors(settings), spike.map((o) => ({ ...o, caller: 'ip:198.51.100.4', ip: '198.51.100.4' })))).toEqual([]);
    // A logged-in caller speeding up with every answer a success is a bulk read, not an alert.
    const user = new Detectors(settings);
    expect(feedAll(user, [...steady, ...spike].map((o) => ({ ...o, caller: 'sub:alice', subject: 'alice' })))).toEqual([]);
  });

  it('raise exfiltration on unusual volume read object by object, and not for an export', () => {
    const settings: DetectorSettings = { ...DEFAULT_DETECTORS, exfiltration: { enabled: true, windowMs: 5 * MIN, bytes: 10_000_000 } };
    const d = new Detectors(settings);
    const alerts = feedAll(d, Array.from({ length: 30 }, (_, i) => ({ ts: i * 1000, responseBytes: 500_000, objectKey: String(i) })));
    expect(alerts.map((a) => [a.type, a.confidence])).toEqual([['exfiltration', 0.6]]);
    // Three large responses of an export operation: volume, but what exports are for.
    const exports = feedAll(new Detectors(settings), Array.from({ length: 3 }, (_, i) => ({ ts: i * 1000, operation: 'exportOrders', responseBytes: 12_000_000, objectKey: undefined })));
    expect(exports).toEqual([]);
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

  it('group a burst of undeclared paths from one client into one alert with its count and examples', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const probe = { unmatched: true, operation: undefined, objectKey: undefined, caller: 'ip:198.51.100.201', subject: undefined, ip: '198.51.100.201', status: 404 };
    const words = ['admin', 'debug', 'internal', 'actuator', 'backup', 'config', 'graphql', 'metrics'];
    const burst = Array.from({ length: 2000 }, (_, i) => ({ ...probe, ts: i * 120, path: `/${words[i % 8] as string}/${i % 3 === 0 ? String(i) : `page${i % 150}`}` }));
    expect(feedAll(d, burst)).toEqual([]); // still gathering while the client keeps going
    const alerts = [...d.drain(2000 * 120 + MIN)];
    expect(alerts).toHaveLength(1);
    const alert = alerts[0] as AlertDraft;
    expect(alert).toMatchObject({ type: 'shadowTraffic', confidence: 1, severity: 'low', subject: { kind: 'ip', value: 'ip:198.51.100.201' } });
    expect(alert.evidence.count).toBe(2000);
    expect(alert.evidence.examples).toEqual(['GET /admin/{id}', 'GET /debug/page1', 'GET /internal/page2', 'GET /actuator/{id}', 'GET /backup/page4']);
    expect(alert.evidence.sampleRequestIds).toHaveLength(5);
    expect(alert.summary).toMatch(/sent 2000 request\(s\) to 100\+ undeclared endpoint/);
    // The same client in the next window is a new group.
    feedAll(d, [{ ...probe, ts: HOUR + 1000, path: '/fresh' }]);
    expect(d.drain(HOUR + 1000, true).map((a) => a.evidence.count)).toEqual([1]);
  });

  it('give at most 20 callers per API and window their own shadow alert; the rest share one', () => {
    const d = new Detectors(DEFAULT_DETECTORS);
    const many = Array.from({ length: 30 }, (_, i) => ({ ts: i, unmatched: true, operation: undefined, objectKey: undefined, caller: `ip:192.0.2.${i}`, subject: undefined, ip: `192.0.2.${i}`, path: '/hidden' }));
    feedAll(d, many);
    const alerts = d.drain(MIN * 2);
    expect(alerts).toHaveLength(21);
    expect(alerts.at(-1)?.subject.value).toBe('shop * (more than 20 callers)');
    expect(alerts.at(-1)?.evidence.count).toBe(10);
  });

  it('tell zombie from shadow by the inventory\'s version rule, grouped per caller', () => {
    const spec = (paths: string[]) => ({ basePaths: ['/api'], operations: paths.map((p, i) => ({ id: `op${i}`, path: p })) }) as never;
    const versions = new VersionRule([
      { config: { name: 'shop', basePath: undefined }, spec: spec(['/v2/users/{id}', '/v1/reports']) },
      { config: { name: 'orders-v1', basePath: undefined }, spec: spec(['/orders']) },
      { config: { name: 'orders-v2', basePath: undefined }, spec: spec(['/orders']) },
    ]);
    const d = new Detectors(DEFAULT_DETECTORS, { versions });
    feedAll(d, [
      { ts: 0, unmatched: true, operation: undefined, path: '/api/v1/users/42', objectKey: undefined }, // older than the declared /api/v2
      { ts: 1, unmatched: true, operation: undefined, path: '/api/v1/users/43', objectKey: undefined },
      { ts: 2, unmatched: true, operation: undefined, path: '/internal/debug/12', objectKey: undefined }, // shadow
      { ts: 3, operation: 'op1', operationKey: 'shop op1', path: '/v1/reports', objectKey: undefined }, // declared, but /api/v1 is older than /api/v2
      { ts: 4, deprecated: true, operation: 'oldReport', path: '/reports/old', objectKey: undefined },
      { ts: 5, api: 'orders-v1', operation: 'op0', operationKey: 'orders-v1 op0', path: '/orders', objectKey: undefined },
      { ts: 6, api: 'orders-v2', operation: 'op0', operationKey: 'orders-v2 op0', path: '/orders', objectKey: undefined },
      { ts: 7, unmatched: true, operation: undefined, path: '/nope', status: 404, code: 'GH_ROUTE_NOT_FOUND', objectKey: undefined }, // refused: nothing passed
    ]);
    const alerts = d.drain(10, true);
    expect(alerts.map((a) => `${a.type} ${a.api} ${a.subject.value} ${a.evidence.count} ${(a.evidence.examples as string[]).join('; ')}`)).toEqual([
      'zombieTraffic shop sub:alice 4 GET /api/v1/users/{id} (older version, no longer declared); GET /v1/reports (older version); GET /reports/old (deprecated)',
      'shadowTraffic shop sub:alice 1 GET /internal/debug/{id}',
      'zombieTraffic orders-v1 sub:alice 1 GET /orders (older version)',
    ]);
  });
});
