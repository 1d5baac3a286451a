import { Redis, type RedisOptions } from 'ioredis';
import { StoreInputError, StoreUnavailableError } from '../errors.js';

export interface RedisConnectionOptions {
  readonly url: string;
  /** Default 500 ms. */
  readonly connectTimeoutMs?: number;
  /** A command without a reply by then rejects. Default 500 ms. */
  readonly commandTimeoutMs?: number;
}

export const STORE = 'redis';

/**
 * Options that make an outage fail fast instead of queueing: no offline queue (a command sent
 * while disconnected rejects at once), no per-request retries (a retried write could count
 * twice), bounded connect and command timeouts. Reconnection keeps going in the background
 * with capped backoff, so the store heals by itself when Redis comes back.
 */
export function redisOptions(o: RedisConnectionOptions): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: o.connectTimeoutMs ?? 500,
    commandTimeout: o.commandTimeoutMs ?? 500,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
}

export function openRedis(o: RedisConnectionOptions): Redis {
  try {
    return new Redis(o.url, redisOptions(o));
  } catch (err) {
    throw new StoreInputError('redis.url', `cannot use ${JSON.stringify(redact(o.url))}: ${(err as Error).message}`);
  }
}

/** Removes a password from a URL before it goes into an error message. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

/** Turns any failure of a Redis call into StoreUnavailableError; bad input passes through. */
export function wrap(op: string, err: unknown): never {
  if (err instanceof StoreInputError) throw err;
  throw new StoreUnavailableError(STORE, op, err);
}

/**
 * Waits for the first connection attempt, at most `limitMs`: the TCP connect has its own timeout
 * but the ready check (INFO) that follows it does not, and a server that accepts and never
 * answers would hold startup. A failure is not fatal: calls reject until Redis is back.
 */
export async function firstConnect(redis: Redis, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    redis.connect().catch(() => {
      // Left to the background reconnect; health() and every call report the outage meanwhile.
    }),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, limitMs))),
  ]);
  clearTimeout(timer);
}

/** Escapes glob characters so a caller's prefix matches literally in SCAN MATCH. */
export function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}
