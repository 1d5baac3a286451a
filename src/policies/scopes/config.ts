/** Selects operations: every listed selector kind must match (an empty selector matches all). */
export interface OperationSelector {
  readonly operations?: readonly string[];
  readonly tags?: readonly string[];
  /** Path templates as in the spec; a trailing `*` matches any rest (`/admin/*`). */
  readonly paths?: readonly string[];
  readonly methods?: readonly string[];
  /** An `x-` extension of the operation that must be true (`x-admin`). */
  readonly extension?: string;
}

export interface AuthorizationRule extends OperationSelector {
  /** All of these scopes are needed. */
  readonly scopes: readonly string[];
  /** One of these roles is needed. */
  readonly roles: readonly string[];
  /** The matched operations need no scope or role. */
  readonly public: boolean;
}

/** `policies.authorization` of an API. */
export interface AuthorizationConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  /** Default deny: an operation with no scope in its spec security and no matching rule is refused. */
  readonly strict: boolean;
  readonly rules: readonly AuthorizationRule[];
  /** Function-level authorization: operations matched here need one of `roles`. */
  readonly admin: (OperationSelector & { readonly roles: readonly string[] }) | undefined;
}

const strings = { type: 'array', items: { type: 'string', minLength: 1 } };
const selector = {
  operations: strings,
  tags: strings,
  paths: { type: 'array', items: { type: 'string', pattern: '^/', 'x-hint': 'must be a path template starting with /' } },
  methods: { type: 'array', items: { enum: ['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'] } },
  extension: { type: 'string', pattern: '^x-', 'x-hint': 'must be an x- extension name' },
};

export const SELECTOR_SCHEMA_PROPERTIES = selector;

export const AUTHORIZATION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    strict: { type: 'boolean' },
    rules: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, properties: { ...selector, scopes: strings, roles: strings, public: { type: 'boolean' } } },
    },
    admin: { type: 'object', additionalProperties: false, required: ['roles'], properties: { ...selector, roles: { ...strings, minItems: 1 } } },
  },
} as const;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function normalizeSelector(raw: Raw): OperationSelector {
  const out: { -readonly [K in keyof OperationSelector]: OperationSelector[K] } = {};
  if (raw.operations !== undefined) out.operations = raw.operations;
  if (raw.tags !== undefined) out.tags = raw.tags;
  if (raw.paths !== undefined) out.paths = raw.paths;
  if (raw.methods !== undefined) out.methods = raw.methods;
  if (raw.extension !== undefined) out.extension = raw.extension;
  return out;
}

export function normalizeAuthorization(raw: Raw | undefined): AuthorizationConfig | undefined {
  if (raw === undefined) return undefined;
  return {
    mode: raw.mode ?? 'enforce',
    strict: raw.strict ?? false,
    rules: ((raw.rules ?? []) as Raw[]).map((r) => ({ ...normalizeSelector(r), scopes: r.scopes ?? [], roles: r.roles ?? [], public: r.public ?? false })),
    admin: raw.admin === undefined ? undefined : { ...normalizeSelector(raw.admin), roles: raw.admin.roles },
  };
}
