import { DURATION_SCHEMA } from '../../config/units.js';
/** `policies.forwardIdentity`: what the upstream learns about the verified caller. */
export interface ForwardIdentityConfig {
  /** Headers `<prefix>subject`, `<prefix>scopes`, `<prefix>roles`, `<prefix>auth`, `<prefix>issuer`; undefined: no headers. */
  readonly headerPrefix: string | undefined;
  /** A fresh token signed by `identity.signing`, in this header. */
  readonly token: { readonly header: string; readonly ttlSeconds: number; readonly audience: string | undefined } | undefined;
  /** Remove the client's Authorization header before forwarding (the upstream gets the gateway's token instead). */
  readonly stripAuthorization: boolean;
}

const header = { type: 'string', pattern: '^[A-Za-z0-9-]+$', 'x-hint': 'must be a header name' };

export const FORWARD_IDENTITY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    headerPrefix: { type: 'string', pattern: '^[A-Za-z0-9-]+-$', 'x-hint': 'must be a header-name prefix ending in - (x-gatehouse-)' },
    token: {
      type: 'object',
      additionalProperties: false,
      properties: { header, ttl: DURATION_SCHEMA, audience: { type: 'string', minLength: 1 } },
    },
    stripAuthorization: { type: 'boolean' },
  },
} as const;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function normalizeForwardIdentity(raw: Raw | undefined, parseDuration: (v: string | number) => number | undefined): ForwardIdentityConfig | undefined {
  if (raw === undefined) return undefined;
  const token: Raw | undefined = raw.token;
  return {
    headerPrefix: raw.headerPrefix === undefined ? (token === undefined ? 'x-gatehouse-' : undefined) : (raw.headerPrefix as string).toLowerCase(),
    token: token === undefined ? undefined : {
      header: ((token.header as string | undefined) ?? 'x-gatehouse-identity').toLowerCase(),
      ttlSeconds: Math.max(1, Math.round((token.ttl === undefined ? 60_000 : parseDuration(token.ttl as string | number) ?? 60_000) / 1000)),
      audience: token.audience,
    },
    stripAuthorization: raw.stripAuthorization ?? false,
  };
}
