import { SELECTOR_SCHEMA_PROPERTIES, normalizeSelector, type OperationSelector } from '../scopes/config.js';
import { DURATION_SCHEMA } from '../../config/units.js';

export interface StepUpRule extends OperationSelector {
  /** The token's `acr` must be one of these (when set). */
  readonly acr: readonly string[];
  /** The token's `amr` must contain one of these (when set). */
  readonly amr: readonly string[];
  /** `auth_time` must be at most this old (when set). */
  readonly maxAgeMs: number | undefined;
}

export interface StepUpConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  readonly rules: readonly StepUpRule[];
}

const strings = { type: 'array', items: { type: 'string', minLength: 1 } };

export const STEP_UP_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        minProperties: 1,
        properties: {
          ...SELECTOR_SCHEMA_PROPERTIES,
          acr: strings,
          amr: strings,
          maxAge: DURATION_SCHEMA,
        },
      },
    },
  },
} as const;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function normalizeStepUp(raw: Raw | undefined, parseDuration: (v: string | number) => number | undefined): StepUpConfig | undefined {
  if (raw === undefined) return undefined;
  return {
    mode: raw.mode ?? 'enforce',
    rules: (raw.rules as Raw[]).map((r) => ({
      ...normalizeSelector(r),
      acr: r.acr ?? [],
      amr: r.amr ?? [],
      maxAgeMs: r.maxAge === undefined ? undefined : parseDuration(r.maxAge),
    })),
  };
}
