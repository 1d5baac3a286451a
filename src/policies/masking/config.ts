import type { SensitiveCategory } from '../../detect/sensitive/classify.js';
import { SENSITIVE_CATEGORIES } from '../../detect/sensitive/classify.js';

export type MaskAction = 'redact' | 'hash' | 'drop' | 'last4' | 'last2' | 'first2last2';

export interface MaskingRule {
  /** JSON path subset: `$.a.b`, `$.items[*].card`, `$..email` (any depth). */
  readonly path?: string;
  readonly category?: SensitiveCategory;
  readonly action: MaskAction;
  /** Callers with this role see the value unmasked. */
  readonly unlessRole?: string;
  /** Operation ids the rule applies to; all operations when absent. */
  readonly operations?: readonly string[];
}

export interface MaskingConfig {
  readonly mode: 'enforce' | 'off';
  /** Key for `hash` (HMAC-SHA256), so hashed values join across responses without being revealed. */
  readonly hashKey: string | undefined;
  readonly rules: readonly MaskingRule[];
}

const ACTIONS: readonly MaskAction[] = ['redact', 'hash', 'drop', 'last4', 'last2', 'first2last2'];

export const MASKING_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    mode: { enum: ['enforce', 'off'] },
    hashKey: { type: 'string', minLength: 16, 'x-hint': 'must be at least 16 characters (use ${secret:name})' },
    rules: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['action'],
        minProperties: 2,
        'x-hint': 'each rule needs an action and a path or a category',
        properties: {
          path: { type: 'string', pattern: '^\\$(\\.\\.?[A-Za-z0-9_$-]+|\\[\\*\\]|\\.\\*)+$', 'x-hint': 'must be a path like $.card.number, $.items[*].email or $..ssn' },
          category: { enum: [...SENSITIVE_CATEGORIES] },
          action: { enum: [...ACTIONS] },
          unlessRole: { type: 'string', minLength: 1 },
          operations: { type: 'array', items: { type: 'string', minLength: 1 } },
        },
      },
    },
  },
} as const;

type Raw = Record<string, unknown>;

export function normalizeMasking(raw: Raw): MaskingConfig {
  return {
    mode: (raw.mode as 'enforce' | 'off' | undefined) ?? 'enforce',
    hashKey: raw.hashKey as string | undefined,
    rules: (raw.rules as Raw[]).map((r) => ({
      action: r.action as MaskAction,
      ...(r.path === undefined ? {} : { path: r.path as string }),
      ...(r.category === undefined ? {} : { category: r.category as SensitiveCategory }),
      ...(r.unlessRole === undefined ? {} : { unlessRole: r.unlessRole as string }),
      ...(r.operations === undefined ? {} : { operations: r.operations as string[] }),
    })),
  };
}
