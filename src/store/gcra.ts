import type { GcraResult } from './ports.js';

/**
 * One step of the generic cell rate algorithm (ITU-T I.371, the "virtual scheduling" form) for
 * the engines that compute it in JavaScript (memory, sqlite). The Redis Lua script and the
 * PostgreSQL function implement the same arithmetic; the contract suite holds them to it.
 *
 * State is a single number per key, the theoretical arrival time (TAT): the moment the bucket
 * would be full again. A request of `cost` pushes TAT by cost * T and is allowed when the pushed
 * TAT is no more than burst * T ahead of now. No timer, no refill loop.
 */
/** Guards floor() against 2.9999999 from floating-point division. */
const EPS = 1e-9;

export function gcraDecide(storedTat: number | undefined, now: number, interval: number, burst: number, cost: number): GcraResult {
  const tat = storedTat === undefined || storedTat < now ? now : storedTat;
  const limit = burst * interval;
  const newTat = nextTat(tat, now, interval, cost);
  const allowAt = newTat - limit;
  if (now < allowAt) {
    return {
      allowed: false,
      remaining: Math.max(0, Math.floor((limit - (tat - now)) / interval + EPS)),
      retryAfterMs: Math.ceil(allowAt - now),
      resetAfterMs: Math.ceil(tat - now),
    };
  }
  return {
    allowed: true,
    remaining: Math.floor((now - allowAt) / interval + EPS),
    retryAfterMs: 0,
    resetAfterMs: Math.ceil(newTat - now),
  };
}

/**
 * A negative cost gives back tokens an earlier call took (a refund when a later check refused the
 * request): TAT moves back, but never before now, which is a full bucket.
 */
function nextTat(tat: number, now: number, interval: number, cost: number): number {
  const next = tat + cost * interval;
  return cost < 0 && next < now ? now : next;
}

/** The TAT to store after `gcraDecide` allowed a request (a refused request leaves it unchanged). */
export function gcraNextTat(storedTat: number | undefined, now: number, interval: number, cost: number): number {
  return nextTat(storedTat === undefined || storedTat < now ? now : storedTat, now, interval, cost);
}
