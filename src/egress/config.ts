import { isIP } from 'node:net';
import type { RawProblem } from '../config/problem.js';
import { DURATION_SCHEMA, parseDuration } from '../config/units.js';

/**
 * `apis[].egress`: what the gateway allows itself when it is the forward path from internal
 * services to a third-party API (OWASP API10, unsafe consumption of APIs). See docs/egress.md.
 */
export interface EgressConfig {
  /** monitor: redirect refusals and response-contract violations are recorded, not applied. */
  readonly mode: 'enforce' | 'monitor';
  /** The declared server may be http:// (never the default: credentials would travel in clear). */
  readonly plainHttp: boolean;
  /**
   * Addresses or CIDR ranges the destination guard lets through although they are private,
   * loopback or link-local: a provider on a private network, or a fake provider in tests.
   */
  readonly allowPrivate: readonly string[];
  /** SHA-256 pins (`sha256/<base64>`) of a SubjectPublicKeyInfo in the provider's chain; empty: none. */
  readonly pins: readonly string[];
  /** Redirects followed on the pinned origin (GET and HEAD only); 0: every redirect is refused. */
  readonly redirects: number;
  /** The whole exchange, first byte sent to last byte read: a slow-drip body cannot hold a connection. */
  readonly responseTimeoutMs: number;
  /** Credentials the gateway adds; the client's copies of the same names are dropped. */
  readonly credentials: readonly EgressCredential[];
}

export type EgressCredential =
  | { readonly header: string; readonly value: string }
  | { readonly query: string; readonly value: string };

const PIN = '^sha256/[A-Za-z0-9+/]{43}=$';

export const EGRESS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['enforce', 'monitor'] },
    plainHttp: { type: 'boolean' },
    allowPrivate: {
      type: 'array',
      items: { type: 'string', pattern: '^[0-9A-Fa-f.:]+(/\\d{1,3})?$', 'x-hint': 'must be an IP address or CIDR range (127.0.0.1, 10.0.0.0/8)' },
    },
    pins: { type: 'array', items: { type: 'string', pattern: PIN, 'x-hint': 'must be sha256/ followed by the base64 SHA-256 of a public key (openssl: see docs/egress.md)' } },
    redirects: { type: 'integer', minimum: 0, maximum: 10 },
    responseTimeout: DURATION_SCHEMA,
    credentials: {
      type: 'array',
      items: {
        oneOf: [
          { type: 'object', additionalProperties: false, required: ['header', 'value'], properties: { header: { type: 'string', pattern: '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$' }, value: { type: 'string', minLength: 1 } } },
          { type: 'object', additionalProperties: false, required: ['query', 'value'], properties: { query: { type: 'string', minLength: 1 }, value: { type: 'string', minLength: 1 } } },
        ],
        'x-hint': 'must be { header: NAME, value: ... } or { query: NAME, value: ... }',
      },
    },
  },
} as const;

export const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;

type Raw = Record<string, unknown>;

export function normalizeEgress(raw: Raw | undefined, path: (string | number)[], problems: RawProblem[]): EgressConfig {
  const r = raw ?? {};
  const allowPrivate = (r.allowPrivate ?? []) as string[];
  allowPrivate.forEach((cidr, i) => {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address);
    if (family === 0 || (bits !== undefined && Number(bits) > (family === 4 ? 32 : 128))) {
      problems.push({ path: [...path, 'allowPrivate', i], message: `"${cidr}" is not an IP address or CIDR range` });
    }
  });
  const credentials = ((r.credentials ?? []) as Raw[]).map((c): EgressCredential =>
    typeof c.header === 'string' ? { header: c.header.toLowerCase(), value: c.value as string } : { query: c.query as string, value: c.value as string });
  credentials.forEach((c, i) => {
    // A value with CR or LF would split the header: request smuggling towards the provider.
    if (/[\r\n\0]/.test(c.value)) problems.push({ path: [...path, 'credentials', i, 'value'], message: 'must not contain CR, LF or NUL' });
  });
  return {
    mode: (r.mode as EgressConfig['mode'] | undefined) ?? 'enforce',
    plainHttp: (r.plainHttp as boolean | undefined) ?? false,
    allowPrivate,
    pins: (r.pins ?? []) as string[],
    redirects: (r.redirects as number | undefined) ?? 0,
    responseTimeoutMs: r.responseTimeout === undefined ? DEFAULT_RESPONSE_TIMEOUT_MS : parseDuration(r.responseTimeout as string | number) ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    credentials,
  };
}
