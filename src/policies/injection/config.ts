import { CATEGORIES, type Category, type Level } from '../../detect/index.js';

export interface InjectionConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  /**
   * `declared`: scan the values the contract leaves free (strings without enum, format or
   * pattern), with the detectors that fit each; `all`: also every undeclared value, header and
   * body field (for pass-through traffic or a loose contract).
   */
  readonly scan: 'declared' | 'all';
  /** Categories never reported (a known false positive for this API); none by default. */
  readonly ignore: ReadonlySet<Category>;
  /** Paranoia level as in OWASP CRS: 1 (default, fewest false positives) to 4 (most rules). */
  readonly level: Level;
}

export const INJECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    scan: { enum: ['declared', 'all'], 'x-hint': 'must be declared (values the contract leaves free) or all (every value)' },
    ignore: { type: 'array', items: { enum: [...CATEGORIES] } },
    level: { enum: [1, 2, 3, 4], 'x-hint': 'must be a paranoia level 1 (fewest false positives) to 4 (most rules)' },
  },
} as const;

export function normalizeInjection(raw: Record<string, unknown>): InjectionConfig {
  return {
    mode: (raw.mode as InjectionConfig['mode'] | undefined) ?? 'enforce',
    scan: (raw.scan as InjectionConfig['scan'] | undefined) ?? 'declared',
    ignore: new Set((raw.ignore as Category[] | undefined) ?? []),
    level: (raw.level as Level | undefined) ?? 1,
  };
}
