import { isIP } from 'node:net';
import type { RawProblem } from '../config/problem.js';

/** The admin listener (`admin`), normalised. */
export interface AdminConfig {
  readonly host: string;
  readonly port: number;
  readonly enabled: boolean;
  /** HTTPS on the admin listener; undefined: plain HTTP. */
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  /** Undefined: no authentication (loopback use; check-config warns otherwise). */
  readonly auth: AdminAuthConfig | undefined;
}

export interface AdminAuthConfig {
  /** `Authorization: Bearer <token>`; always resolved from a `${secret:…}` reference. */
  readonly token: string | undefined;
  /** A client certificate that verifies against this CA bundle authenticates (needs `tls`). */
  readonly clientCa: string | undefined;
}

/** Shorter tokens could be guessed over the network; the secret store generates 32 bytes. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export const ADMIN_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string' },
    port: { type: 'integer', minimum: 0, maximum: 65535 },
    enabled: { type: 'boolean' },
    tls: {
      type: 'object',
      additionalProperties: false,
      required: ['cert', 'key'],
      properties: { cert: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } },
    },
    auth: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      'x-hint': 'must name a token, a clientCa, or both',
      properties: {
        token: { type: 'string', minLength: MIN_ADMIN_TOKEN_LENGTH, 'x-hint': `must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters: use a generated secret (gatehouse secrets set admin-token --generate)` },
        clientCa: { type: 'string', minLength: 1 },
      },
    },
  },
} as const;

type Raw = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Applies defaults and resolves file paths. The token must come from the secret store, Vault,
 * `env:` or `file:` through `${secret:…}`: a token written into the config file ends up in
 * version control and in every copy of the file.
 */
export function normalizeAdmin(raw: Raw | undefined, resolve: (p: string) => string, secretValues: readonly string[], problems: RawProblem[]): AdminConfig {
  const admin: Raw = raw ?? {};
  const tls: Raw | undefined = admin.tls;
  const auth: Raw | undefined = admin.auth;
  if (auth?.token !== undefined && !secretValues.includes(auth.token as string)) {
    problems.push({ path: ['admin', 'auth', 'token'], message: 'must be a ${secret:…} reference (a token written in the config file ends up in version control)' });
  }
  if (auth?.clientCa !== undefined && tls === undefined) {
    problems.push({ path: ['admin', 'auth', 'clientCa'], message: 'needs admin.tls: client certificates are presented over TLS' });
  }
  return {
    host: admin.host ?? '127.0.0.1',
    port: admin.port ?? 9090,
    enabled: admin.enabled ?? true,
    tls: tls === undefined ? undefined : { cert: resolve(tls.cert as string), key: resolve(tls.key as string) },
    auth: auth === undefined ? undefined : {
      token: auth.token,
      clientCa: auth.clientCa === undefined ? undefined : resolve(auth.clientCa as string),
    },
  };
}

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare.toLowerCase() === '::ffff:127.0.0.1';
}

/**
 * What `check-config` and the start-up log warn about the admin listener: reachable from other
 * machines with nothing to authenticate its callers, it hands metrics (API names, operations,
 * refusal counts) to anyone who can connect, and an admin API would hand out more; with a
 * token but no TLS, anyone on the path reads the token.
 */
export function adminWarnings(admin: AdminConfig): string[] {
  if (!admin.enabled || isLoopback(admin.host)) return [];
  if (admin.auth === undefined) {
    return [`admin listener on ${admin.host}:${admin.port} is reachable from other machines and has no admin.auth: anyone who can connect reads /metrics; set admin.auth (a token or client certificates) or bind it to 127.0.0.1`];
  }
  if (admin.auth.token !== undefined && admin.tls === undefined) {
    return [`admin listener on ${admin.host}:${admin.port} takes admin.auth.token over plain HTTP: the token crosses the network in clear; set admin.tls`];
  }
  return [];
}
