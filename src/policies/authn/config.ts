/** `policies.authentication` of an API. */
export interface AuthenticationConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  /**
   * Requirements for operations whose spec declares no security: alternatives (OR) of scheme
   * names (AND). Names are the spec's security schemes or the built-ins bearer, jwt,
   * introspection, apiKey, mtls. Empty: such operations need no credential.
   */
  readonly fallback: readonly (readonly string[])[];
  /** Operation ids that never need a credential, whatever the spec or fallback says. */
  readonly public: readonly string[];
}

const schemeName = { type: 'string', pattern: '^[A-Za-z0-9_.-]+$' };

export const AUTHENTICATION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    fallback: {
      type: 'array',
      items: { oneOf: [schemeName, { type: 'array', minItems: 1, items: schemeName }] },
      'x-hint': 'must list scheme names (bearer, apiKey, mtls, or a scheme of the spec); a nested list means all of them together',
    },
    public: { type: 'array', items: { type: 'string', minLength: 1 } },
  },
} as const;

export const DEFAULT_AUTHENTICATION: AuthenticationConfig = { mode: 'enforce', fallback: [], public: [] };

export function normalizeAuthentication(raw: Record<string, unknown> | undefined): AuthenticationConfig {
  if (raw === undefined) return DEFAULT_AUTHENTICATION;
  const fallback = ((raw.fallback ?? []) as (string | string[])[]).map((f) => typeof f === 'string' ? [f] : f);
  return { mode: (raw.mode as AuthenticationConfig['mode'] | undefined) ?? 'enforce', fallback, public: (raw.public ?? []) as string[] };
}
