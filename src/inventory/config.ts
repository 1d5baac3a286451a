import type { RawProblem } from '../config/problem.js';
import { parseDuration } from '../config/units.js';
import { DURATION_SCHEMA } from '../config/units.js';

/** `inventory:` in gatehouse.yaml. Recording is on by default: it is metadata only. */
export interface InventoryConfig {
  readonly enabled: boolean;
  /** Record field names and types of request and response bodies (never values). */
  readonly shapes: boolean;
  /** Fraction of requests per operation whose bodies are walked for their shape (0..1); the first call of each operation always is. */
  readonly sampleRate: number;
  /** Bodies walked per operation and minute at most, each way: a busy route's shape is known long before this. */
  readonly maxSamplesPerMinute: number;
  /** How often aggregated observations are written to the store. */
  readonly flushIntervalMs: number;
  /** Fields walked per body at most. */
  readonly maxFields: number;
  /** Shadow (unmatched) method + path templates recorded per API; the rest fold into one overflow row. */
  readonly maxShadowPaths: number;
}

export const DEFAULT_INVENTORY: InventoryConfig = { enabled: true, shapes: true, sampleRate: 0.02, maxSamplesPerMinute: 120, flushIntervalMs: 5000, maxFields: 200, maxShadowPaths: 1000 };

const duration = DURATION_SCHEMA;

export const INVENTORY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    shapes: { type: 'boolean' },
    sampleRate: { type: 'number', minimum: 0, maximum: 1, 'x-hint': 'must be a fraction between 0 and 1 (0.02 walks one request in fifty)' },
    maxSamplesPerMinute: { type: 'integer', minimum: 1, 'x-hint': 'must be a whole number of bodies per operation and minute, at least 1' },
    flushInterval: duration,
    maxFields: { type: 'integer', minimum: 1, maximum: 10_000 },
    maxShadowPaths: { type: 'integer', minimum: 1, maximum: 100_000, 'x-hint': 'must be a whole number of shadow paths per API, 1 to 100000' },
  },
} as const;

type Raw = Record<string, unknown>;

export function normalizeInventory(raw: Raw | undefined, _problems: RawProblem[]): InventoryConfig {
  if (raw === undefined) return DEFAULT_INVENTORY;
  const d = DEFAULT_INVENTORY;
  const flush = raw.flushInterval === undefined ? undefined : parseDuration(raw.flushInterval as string | number);
  return {
    enabled: (raw.enabled as boolean | undefined) ?? d.enabled,
    shapes: (raw.shapes as boolean | undefined) ?? d.shapes,
    sampleRate: (raw.sampleRate as number | undefined) ?? d.sampleRate,
    maxSamplesPerMinute: (raw.maxSamplesPerMinute as number | undefined) ?? d.maxSamplesPerMinute,
    flushIntervalMs: flush === undefined || flush === 0 ? d.flushIntervalMs : flush,
    maxFields: (raw.maxFields as number | undefined) ?? d.maxFields,
    maxShadowPaths: (raw.maxShadowPaths as number | undefined) ?? d.maxShadowPaths,
  };
}
