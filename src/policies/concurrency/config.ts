import { STORE_FAILURE_SCHEMA, type StoreFailure } from '../rate-limit/config.js';

export interface ConcurrencyConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  readonly onStoreFailure: StoreFailure;
  /** Requests in flight per authenticated identity (subject). */
  readonly perIdentity: number | undefined;
  /** Requests in flight per client address. */
  readonly perIp: number | undefined;
  /** Requests in flight to this API's upstream, across every client (and every gateway sharing the store). */
  readonly perUpstream: number | undefined;
}

export const CONCURRENCY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    onStoreFailure: STORE_FAILURE_SCHEMA,
    perIdentity: { type: 'integer', minimum: 1 },
    perIp: { type: 'integer', minimum: 1 },
    perUpstream: { type: 'integer', minimum: 1 },
  },
} as const;

export function normalizeConcurrency(raw: Record<string, unknown>): ConcurrencyConfig {
  return {
    mode: (raw.mode as ConcurrencyConfig['mode'] | undefined) ?? 'enforce',
    onStoreFailure: (raw.onStoreFailure as StoreFailure | undefined) ?? 'closed',
    perIdentity: raw.perIdentity as number | undefined,
    perIp: raw.perIp as number | undefined,
    perUpstream: raw.perUpstream as number | undefined,
  };
}
