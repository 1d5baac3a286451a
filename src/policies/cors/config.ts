import type { RawProblem } from '../../config/problem.js';
import { DURATION_SCHEMA, parseDuration } from '../../config/units.js';

/** Cross-origin resource sharing for one API (the Fetch standard's CORS protocol). */
export interface CorsConfig {
  readonly mode: 'enforce' | 'monitor' | 'off';
  /** Serialised origins, lower-case; `*` alone means any origin; `https://*.example.com` any subdomain. */
  readonly origins: readonly string[];
  /** Methods a cross-origin page may use, upper-case; undefined: whatever the spec declares for the path. */
  readonly methods: readonly string[] | undefined;
  /** Request headers a cross-origin page may send, lower-case. */
  readonly headers: readonly string[];
  /** Response headers a cross-origin page may read beyond the safelisted ones, lower-case. */
  readonly exposeHeaders: readonly string[];
  readonly credentials: boolean;
  /** How long a browser may cache a preflight answer, in seconds. */
  readonly maxAgeSeconds: number;
}

const TOKEN = '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$';

export const CORS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['origins'],
  properties: {
    mode: { enum: ['enforce', 'monitor', 'off'] },
    origins: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
    methods: { type: 'array', minItems: 1, items: { type: 'string', pattern: TOKEN, 'x-hint': 'must be an HTTP method name such as GET or POST' } },
    headers: { type: 'array', items: { type: 'string', pattern: TOKEN, 'x-hint': 'must be a header name such as content-type' } },
    exposeHeaders: { type: 'array', items: { type: 'string', pattern: TOKEN, 'x-hint': 'must be a header name such as x-request-id' } },
    credentials: { type: 'boolean' },
    maxAge: DURATION_SCHEMA,
  },
} as const;

/** `scheme://host[:port]`, host possibly `*.` + a domain: what a browser's Origin header can hold, less `null`. */
const ORIGIN = /^https?:\/\/(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?$/;

/** Headers a page may always send without a preflight asking (CORS-safelisted request headers). */
const DEFAULT_HEADERS = ['content-type'];
/** The request id is how a user reports a refusal: a page may read it. */
const DEFAULT_EXPOSE = ['x-request-id'];

/**
 * Normalises `policies.cors` and refuses what would open the API wider than the operator meant:
 * `*` with credentials (the Fetch standard forbids it and a server that "fixes" it by echoing
 * every origin hands any site the user's session), the `null` origin (sent by sandboxed frames
 * and `file:` pages, which any attacker can make), and origins that are not origins (a path or
 * a trailing slash never matches what a browser sends, so the rule would silently do nothing).
 */
export function normalizeCors(raw: Record<string, unknown>, at: readonly (string | number)[], problems: RawProblem[]): CorsConfig {
  const credentials = raw.credentials === true;
  const origins = ((raw.origins ?? []) as string[]).map((o) => o.trim().toLowerCase());
  origins.forEach((origin, i) => {
    const where = [...at, 'origins', i];
    if (origin === '*') {
      if (credentials) problems.push({ path: where, message: '"*" cannot be used with credentials: true (browsers refuse it, and echoing any origin instead would let every site act with the user\'s session); list the origins' });
      else if (origins.length > 1) problems.push({ path: where, message: '"*" allows every origin: list origins or "*" alone' });
    } else if (origin === 'null') {
      problems.push({ path: where, message: '"null" is the origin of sandboxed frames and local files, which any site can create; it is never allowed' });
    } else if (!ORIGIN.test(origin)) {
      problems.push({ path: where, message: `"${origin}" is not an origin: scheme://host[:port] with no path or trailing slash (https://app.example.com, https://*.example.com)` });
    } else if (origin.includes('://*.') && !/^https?:\/\/\*\.[^.:]+\.[^:]+/.test(origin)) {
      // `https://*.com` would admit every site under a public suffix.
      problems.push({ path: where, message: `"${origin}" covers a whole top-level domain: name the registrable domain (https://*.example.com)` });
    }
  });
  const maxAge = raw.maxAge === undefined ? 600_000 : parseDuration(raw.maxAge as string | number) ?? 600_000;
  return {
    mode: (raw.mode as CorsConfig['mode'] | undefined) ?? 'enforce',
    origins,
    methods: raw.methods === undefined ? undefined : (raw.methods as string[]).map((m) => m.toUpperCase()),
    headers: raw.headers === undefined ? DEFAULT_HEADERS : (raw.headers as string[]).map((h) => h.toLowerCase()),
    exposeHeaders: raw.exposeHeaders === undefined ? DEFAULT_EXPOSE : (raw.exposeHeaders as string[]).map((h) => h.toLowerCase()),
    credentials,
    maxAgeSeconds: Math.floor(maxAge / 1000),
  };
}
