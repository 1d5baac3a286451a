/**
 * Human units in config: durations (`250ms`, `5s`, `15m`, `1h`, `1d`) and sizes (`512b`, `64kb`,
 * `1mb`, `1gb`, binary multiples). A bare number is milliseconds or bytes.
 */
const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = DURATION.exec(value.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (DURATION_MS[m[2] ?? 'ms'] ?? 1));
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|kib|mib|gib)?$/i;
const SIZE_BYTES: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : undefined;
  const m = SIZE.exec(value.trim());
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (SIZE_BYTES[(m[2] ?? 'b').toLowerCase()] ?? 1));
}

/** The JSON Schema of a duration value in gatehouse.yaml, shared by every section that takes one. */
export const DURATION_SCHEMA = { type: ['integer', 'string'], minimum: 0, pattern: '^\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)?$', 'x-hint': 'must be a duration such as 500ms, 5s, 15m, 1h or a number of milliseconds' } as const;

/** The JSON Schema of a size value in gatehouse.yaml. */
export const SIZE_SCHEMA = { type: ['integer', 'string'], minimum: 0, pattern: '^\\d+(\\.\\d+)?\\s*([kmg]i?b|b)?$', 'x-hint': 'must be a size such as 512b, 64kb, 1mb or a number of bytes' } as const;
