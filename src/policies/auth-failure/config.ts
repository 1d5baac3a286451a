import type { RawProblem } from '../../config/problem.js';
import { parseRate, STORE_FAILURE_SCHEMA, type StoreFailure } from '../rate-limit/config.js';

/** A budget of failures: `count` per `windowMs`, refilled continuously (GCRA). */
export interface FailureBudget {
  readonly count: number;
  readonly windowMs: number;
}

export interface AuthFailureConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  readonly onStoreFailure: StoreFailure;
  readonly perIp: FailureBudget | undefined;
  readonly perIdentity: FailureBudget | undefined;
  /**
   * Where the attempted account name is, for login operations whose upstream answers 401:
   * `body.username`, `query.user`, `header.x-user`. The authenticated subject is used otherwise.
   */
  readonly identityFrom: { readonly in: 'body' | 'query' | 'header'; readonly name: string } | undefined;
}

const BUDGET = { type: 'string', pattern: '^\\d+\\s*/\\s*(\\d+(\\.\\d+)?)?\\s*(ms|s|sec|second|m|min|minute|h|hour|d|day)$', 'x-hint': 'must be a number of failures per window, such as 5/15m' };

export const AUTH_FAILURE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    onStoreFailure: STORE_FAILURE_SCHEMA,
    perIp: BUDGET,
    perIdentity: BUDGET,
    identityFrom: { type: 'string', pattern: '^(body|query|header)\\.[A-Za-z0-9_.-]+$', 'x-hint': 'must be body.<field>, query.<name> or header.<name>' },
  },
} as const;

export function normalizeAuthFailures(raw: Record<string, unknown>, path: (string | number)[], problems: RawProblem[]): AuthFailureConfig {
  const budget = (key: 'perIp' | 'perIdentity'): FailureBudget | undefined => {
    if (raw[key] === undefined) return undefined;
    const parsed = parseRate(raw[key] as string);
    if (parsed === undefined) problems.push({ path: [...path, key], message: 'must be a positive number of failures per window, such as 5/15m' });
    return parsed;
  };
  const from = raw.identityFrom as string | undefined;
  const dot = from?.indexOf('.') ?? -1;
  return {
    mode: (raw.mode as AuthFailureConfig['mode'] | undefined) ?? 'enforce',
    onStoreFailure: (raw.onStoreFailure as StoreFailure | undefined) ?? 'closed',
    perIp: budget('perIp'),
    perIdentity: budget('perIdentity'),
    identityFrom: from === undefined ? undefined : { in: from.slice(0, dot) as 'body' | 'query' | 'header', name: from.slice(dot + 1) },
  };
}
