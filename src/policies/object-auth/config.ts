import { SELECTOR_SCHEMA_PROPERTIES, normalizeSelector, type OperationSelector } from '../scopes/config.js';
import { DURATION_SCHEMA } from '../../config/units.js';

/** Where the object's identifier is: `path.userId`, `query.owner`, `body.customer.id`, or a bare name (path, then query). */
export interface ParamRef {
  readonly in: 'path' | 'query' | 'body' | 'any';
  readonly name: string;
  /** Body: the dotted path split once. */
  readonly path: readonly string[];
}

/** An ownership lookup for indirect bindings: GET `url` (with `{value}`) answers JSON whose `ownerField` is the owner. */
export interface OwnerLookup {
  readonly url: string;
  readonly ownerField: readonly string[];
  readonly timeoutMs: number;
  readonly cacheTtlMs: number;
}

export interface ObjectRule extends OperationSelector {
  readonly param: ParamRef;
  /** Claim path of the caller compared with the parameter (or with the looked-up owner). */
  readonly claim: readonly string[];
  readonly claimLabel: string;
  /** Roles that may access any object (support, admin). */
  readonly unlessRole: readonly string[];
  readonly lookup: OwnerLookup | undefined;
}

export interface ObjectAuthConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  readonly rules: readonly ObjectRule[];
}

const duration = DURATION_SCHEMA;

export const OBJECT_AUTH_SCHEMA = {
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
        required: ['param'],
        properties: {
          ...SELECTOR_SCHEMA_PROPERTIES,
          param: { type: 'string', pattern: '^((path|query|body)\\.)?[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$', 'x-hint': 'must be a parameter name, path.<name>, query.<name> or body.<field.path>' },
          claim: { type: 'string', minLength: 1 },
          unlessRole: { oneOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: { type: 'string', minLength: 1 } }] },
          lookup: {
            type: 'object',
            additionalProperties: false,
            required: ['url', 'ownerField'],
            properties: {
              url: { type: 'string', pattern: '^https?://.*\\{value\\}', 'x-hint': 'must be an http(s) URL containing {value}' },
              ownerField: { type: 'string', minLength: 1 },
              timeout: duration,
              cacheTtl: duration,
            },
          },
        },
      },
    },
  },
} as const;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function normalizeObjectAuth(raw: Raw | undefined, parseDuration: (v: string | number) => number | undefined): ObjectAuthConfig | undefined {
  if (raw === undefined) return undefined;
  const ms = (v: string | number | undefined, d: number): number => v === undefined ? d : parseDuration(v) ?? d;
  return {
    mode: raw.mode ?? 'enforce',
    rules: (raw.rules as Raw[]).map((r): ObjectRule => {
      const [first, ...rest] = (r.param as string).split('.');
      const located = first === 'path' || first === 'query' || first === 'body';
      const parts = located ? rest : [first as string, ...rest];
      return {
        ...normalizeSelector(r),
        param: { in: located ? first : 'any', name: parts[0] as string, path: parts },
        claim: ((r.claim as string | undefined) ?? 'sub').split('.'),
        claimLabel: r.claim ?? 'sub',
        unlessRole: r.unlessRole === undefined ? [] : typeof r.unlessRole === 'string' ? [r.unlessRole] : r.unlessRole,
        lookup: r.lookup === undefined ? undefined : {
          url: r.lookup.url,
          ownerField: (r.lookup.ownerField as string).split('.'),
          timeoutMs: ms(r.lookup.timeout, 2000),
          cacheTtlMs: ms(r.lookup.cacheTtl, 5000),
        },
      };
    }),
  };
}
