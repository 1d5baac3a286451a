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
  /** Credentials the gateway checks that are removed before the upstream (docs/identity.md). */
  readonly hideCredentials: HideCredentials;
}

export interface HideCredentials {
  /** Gatehouse API keys, from their header, query parameter or cookie (default true). */
  readonly apiKeys: boolean;
  /** The Authorization header, on APIs that accept bearer tokens (default false). */
  readonly authorization: boolean;
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
    hideCredentials: {
      oneOf: [
        { type: 'boolean' },
        { type: 'object', additionalProperties: false, properties: { apiKeys: { type: 'boolean' }, authorization: { type: 'boolean' } } },
      ],
      'x-hint': 'must be true, false or { apiKeys: true|false, authorization: true|false }',
    },
  },
} as const;

/**
 * A Gatehouse API key is of no use to the upstream, and in its access logs it is a leak: hidden
 * by default. A bearer token may be what the upstream checks itself, or passes on: forwarded by
 * default.
 */
const DEFAULT_HIDE: HideCredentials = { apiKeys: true, authorization: false };

export const DEFAULT_AUTHENTICATION: AuthenticationConfig = { mode: 'enforce', fallback: [], public: [], hideCredentials: DEFAULT_HIDE };

export function normalizeAuthentication(raw: Record<string, unknown> | undefined): AuthenticationConfig {
  if (raw === undefined) return DEFAULT_AUTHENTICATION;
  const fallback = ((raw.fallback ?? []) as (string | string[])[]).map((f) => typeof f === 'string' ? [f] : f);
  const hide = raw.hideCredentials as boolean | Partial<HideCredentials> | undefined;
  const hideCredentials = typeof hide === 'boolean' ? { apiKeys: hide, authorization: hide }
    : { apiKeys: hide?.apiKeys ?? DEFAULT_HIDE.apiKeys, authorization: hide?.authorization ?? DEFAULT_HIDE.authorization };
  return { mode: (raw.mode as AuthenticationConfig['mode'] | undefined) ?? 'enforce', fallback, public: (raw.public ?? []) as string[], hideCredentials };
}
