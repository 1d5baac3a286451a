/**
 * A generated day of traffic to one shop API, for measuring the anomaly detectors: people
 * logging in and reading their orders, anonymous visitors and a polite crawler on the
 * catalogue, an office behind one NAT address, a partner paging the order list every 15
 * minutes, a nightly job reading every order, a finance export, a misconfigured bot with an
 * expired key backing off, and a new user reading her 2,000 orders in one go. Optionally four
 * attacks. Deterministic (seeded), sorted by time, and bounded by `scale`.
 */
import type { Observation } from '../../src/inventory/observation.js';

export interface Attack {
  readonly name: string;
  /** The one alert it must raise: its type and subject value. */
  readonly type: string;
  readonly subject: string;
}

export interface Day {
  readonly observations: Observation[];
  readonly attacks: readonly Attack[];
}

export interface DayOptions {
  /** Number of people and visitors, relative to the default (1 is about 110,000 requests). */
  readonly scale?: number;
  readonly attacks?: boolean;
  readonly seed?: number;
  /** Start of the day, ms since epoch. */
  readonly start?: number;
}

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;

/** mulberry32: small, fast and good enough to make traffic repeatable. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OPS: Record<string, { method: string; path: string }> = {
  login: { method: 'POST', path: '/login' },
  listOrders: { method: 'GET', path: '/orders' },
  getOrder: { method: 'GET', path: '/orders/{orderId}' },
  createOrder: { method: 'POST', path: '/orders' },
  getProfile: { method: 'GET', path: '/users/{userId}' },
  listProducts: { method: 'GET', path: '/products' },
  getProduct: { method: 'GET', path: '/products/{productId}' },
  exportOrders: { method: 'GET', path: '/exports/orders' },
};

interface Who { readonly subject?: string; readonly ip: string; readonly identityClass?: string }

export function generateDay(options: DayOptions = {}): Day {
  const scale = options.scale ?? 1;
  const rnd = random(options.seed ?? 7);
  const T0 = options.start ?? Date.UTC(2026, 0, 5);
  const out: Observation[] = [];
  let n = 0;
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));

  const req = (ts: number, who: Who, op: keyof typeof OPS | undefined, over: Partial<Observation> = {}): void => {
    const d = op === undefined ? { method: 'GET', path: '/' } : OPS[op] as { method: string; path: string };
    const authenticated = who.subject !== undefined;
    out.push({
      ts: Math.floor(ts), requestId: `r${++n}`, api: 'shop', operation: op, deprecated: false, method: d.method, path: d.path, unmatched: op === undefined,
      status: 200, identityClass: authenticated ? (who.identityClass ?? 'jwt') : 'anonymous', caller: authenticated ? `sub:${who.subject}` : `ip:${who.ip}`,
      ip: who.ip, subject: who.subject, credentialId: undefined, jti: undefined, exp: undefined, requestBytes: d.method === 'POST' ? 300 : 0,
      responseBytes: 800, latencyMs: 8, code: undefined, objectKey: undefined, requestShape: undefined, responseShape: undefined,
      operationKey: op === undefined ? undefined : `shop ${op}`,
      ...over,
    });
  };
  /** When in the day a person starts a session: mostly office hours, some evenings. */
  const sessionStart = (): number => (rnd() < 0.8 ? int(8 * 60, 18 * 60) : int(18 * 60, 23 * 60)) * MIN + int(0, 59) * S;

  // People: each owns a run of orders; some sit behind the office's one NAT address.
  const people = Math.round(400 * scale);
  for (let p = 0; p < people; p++) {
    const who: Who = { subject: `user${p}`, ip: p < people * 0.15 ? '198.51.100.10' : `10.${(p >> 8) & 255}.${p & 255}.${int(1, 250)}` };
    const anon: Who = { ip: who.ip };
    const owned = int(5, 60);
    for (let s = int(1, 4); s > 0; s--) {
      let t = T0 + sessionStart();
      if (rnd() < 0.08) { req(t, anon, 'login', { status: 401 }); t += int(3, 10) * S; } // a typo
      req(t, anon, 'login');
      t += int(1, 4) * S;
      req(t, who, 'getProfile', { objectKey: String(p) });
      for (let page = int(1, 2); page > 0; page--) { t += int(2, 10) * S; req(t, who, 'listOrders', { responseBytes: 6000 }); }
      for (let k = int(1, 8); k > 0; k--) {
        t += int(2, 20) * S;
        req(t, who, 'getOrder', { objectKey: String(p * 100 + int(0, owned - 1)), status: rnd() < 0.01 ? 404 : 200, responseBytes: 1500 });
      }
      if (rnd() < 0.05) { t += int(1, 10) * MIN; req(t, who, 'getOrder', { objectKey: String(p * 100), status: 401 }); t += 2 * S; req(t, anon, 'login'); } // token expired
      req(t + 1, who, 'listProducts', { responseBytes: 12000 });
      for (let k = int(2, 15); k > 0; k--) { t += int(2, 30) * S; req(t, who, 'getProduct', { objectKey: String(int(1, 5000)), responseBytes: 3000 }); }
      if (rnd() < 0.2) { t += int(5, 60) * S; req(t, who, 'createOrder', { status: 201 }); }
    }
  }

  // Anonymous visitors on the catalogue, from many addresses; a few stale links.
  const visitors = Math.round(3000 * scale);
  for (let v = 0; v < visitors; v++) {
    const who: Who = { ip: `172.${16 + (v >> 16)}.${(v >> 8) & 255}.${v & 255}` };
    let t = T0 + sessionStart();
    req(t, who, 'listProducts', { responseBytes: 12000 });
    for (let k = int(1, 10); k > 0; k--) { t += int(3, 40) * S; req(t, who, 'getProduct', { objectKey: String(int(1, 5000)), status: rnd() < 0.02 ? 404 : 200, responseBytes: 3000 }); }
  }

  // A polite crawler: one product every 2.5 s all day, in sitemap order.
  const crawler: Who = { ip: '66.249.66.1' };
  for (let t = 0, id = 1; t < 24 * HOUR; t += 2500, id = (id % 5000) + 1) req(T0 + t, crawler, 'getProduct', { objectKey: String(id), responseBytes: 3000 });

  // A partner pages the order list every 15 minutes (page 1..40, five a second).
  const partner: Who = { subject: 'partner-sync', ip: '203.0.113.200', identityClass: 'api-key' };
  for (let t = 0; t < 24 * HOUR; t += 15 * MIN) for (let page = 0; page < 40; page++) req(T0 + t + page * 200, partner, 'listOrders', { responseBytes: 20_000 });

  // The nightly job: lists, then reads every order by id, 60 a second; a few were deleted.
  const nightly: Who = { subject: 'nightly-reconcile', ip: '10.1.0.5', identityClass: 'api-key' };
  let t = T0 + 2 * HOUR;
  for (let page = 0; page < 50; page++) req((t += 200), nightly, 'listOrders', { responseBytes: 20_000 });
  for (let id = 0; id < people * 100 && id < 40_000; id += 1 + (rnd() < 0.3 ? 1 : 0)) {
    req((t += 1000 / 60), nightly, 'getOrder', { objectKey: String(id), status: rnd() < 0.005 ? 404 : 200, responseBytes: 1200 });
  }

  // Finance downloads three large exports at six.
  const finance: Who = { subject: 'fiona', ip: '10.2.0.7' };
  for (let k = 0; k < 3; k++) req(T0 + 6 * HOUR + k * 40 * S, finance, 'exportOrders', { responseBytes: 35 * 1024 * 1024, latencyMs: 4000 });

  // A bot whose key expired at three: it retries every 5 s for ten minutes (it ran fine at one).
  const bot: Who = { subject: 'report-bot', ip: '10.1.0.9', identityClass: 'api-key' };
  for (let k = 0; k < 30; k++) req(T0 + 1 * HOUR + k * 2 * S, bot, 'listOrders');
  for (let k = 0; k < 120; k++) req(T0 + 3 * HOUR + k * 5 * S, { ip: bot.ip }, 'listOrders', { status: 401 });

  // A new user reads the 2,000 orders she owns, 25 a second, after a quiet morning and a listing.
  const dana: Who = { subject: 'dana', ip: '10.3.0.4' };
  for (let k = 0; k < 20; k++) req(T0 + 9 * HOUR + k * 7 * MIN, dana, 'getProfile', { objectKey: 'dana' });
  t = T0 + 14 * HOUR;
  for (let page = 0; page < 20; page++) req((t += 500), dana, 'listOrders', { responseBytes: 20_000 });
  for (let id = 900_000; id < 902_000; id++) req((t += 40), dana, 'getOrder', { objectKey: String(id), responseBytes: 1500 });

  const attacks: Attack[] = [];
  if (options.attacks === true) {
    // Enumeration: a logged-in user walks order ids of others; the object check refuses 90 %.
    const mallory: Who = { subject: 'mallory', ip: '203.0.113.9' };
    for (let k = 0; k < 10; k++) req(T0 + 10 * HOUR + k * 5 * MIN, mallory, 'getOrder', { objectKey: String(700_000 + k), responseBytes: 1500 });
    for (let k = 0; k < 400; k++) {
      const refused = rnd() < 0.9;
      req(T0 + 11 * HOUR + k * 200, mallory, 'getOrder', { objectKey: String(500_000 + k), status: refused ? 403 : 200, code: refused ? 'GH_AUTHZ_OBJECT_FORBIDDEN' : undefined, responseBytes: refused ? 200 : 1500 });
    }
    attacks.push({ name: 'enumeration of order ids not owned (400 requests, 90 % refused)', type: 'enumeration', subject: 'sub:mallory' });

    // Credential stuffing: 900 logins in six minutes from one address, 1.5 % valid pairs.
    const stuffer: Who = { ip: '203.0.113.66' };
    for (let k = 0; k < 900; k++) req(T0 + 11.5 * HOUR + k * 400, stuffer, 'login', { status: rnd() < 0.015 ? 200 : 401 });
    attacks.push({ name: 'credential stuffing (900 logins in 6 min)', type: 'credentialStuffing', subject: 'ip:203.0.113.66' });

    // Scraping: anonymous, walks product ids 1..3000 at 8 a second; 7 % of the ids do not exist.
    const scraper: Who = { ip: '192.0.2.77' };
    for (let id = 1; id <= 3000; id++) req(T0 + 16 * HOUR + id * 125, scraper, 'getProduct', { objectKey: String(id), status: rnd() < 0.07 ? 404 : 200, responseBytes: 3000 });
    attacks.push({ name: 'scraping 3,000 product ids (anonymous)', type: 'enumeration', subject: 'ip:192.0.2.77' });

    // A burst of 2,000 requests to undeclared paths from one client in four minutes.
    const prober: Who = { ip: '198.51.100.201' };
    const words = ['admin', 'debug', 'internal', 'actuator', 'backup', 'config', 'api/v0', 'graphql', 'metrics', '.git'];
    for (let k = 0; k < 2000; k++) {
      const path = `/${words[k % words.length] as string}/${k % 3 === 0 ? String(k) : `item${k % 37}`}`;
      req(T0 + 20 * HOUR + k * 120, prober, undefined, { path, method: k % 5 === 0 ? 'POST' : 'GET', status: 404, responseBytes: 120 });
    }
    attacks.push({ name: 'shadow-path burst (2,000 requests to undeclared paths)', type: 'shadowTraffic', subject: 'ip:198.51.100.201' });
  }

  out.sort((a, b) => a.ts - b.ts);
  return { observations: out, attacks };
}
