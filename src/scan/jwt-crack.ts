/**
 * Offline recovery of weak HMAC secrets from JWTs the scan holds (RFC 7518 §3.2: HS256/384/512 keys
 * must be as long as the hash and random). Each candidate costs one HMAC on this machine and no
 * request to the target; a match is cryptographic proof that the token was signed with it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base64url } from 'jose';
import type { LoadedSpec } from '../openapi/index.js';
import { COMMON_SECRETS, nameVariants } from './jwt-secrets.js';

const HASH: Record<string, string> = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };

export interface Cracked {
  readonly secret: string;
  readonly alg: string;
  /** Where the secret came from: the bundled list or the API's own names. */
  readonly source: 'common' | 'name';
}

/** The HMAC algorithm of a compact JWS, or undefined when it is not HMAC-signed. */
export function hmacAlg(token: string): string | undefined {
  const head = token.split('.')[0];
  if (head === undefined) return undefined;
  try {
    const alg = (JSON.parse(new TextDecoder().decode(base64url.decode(head))) as { alg?: unknown }).alg;
    return typeof alg === 'string' && HASH[alg] !== undefined ? alg : undefined;
  } catch {
    return undefined;
  }
}

/** Names the API goes by, for secrets derived from them: title, server hosts, base-path segments. */
export function apiNames(spec: LoadedSpec, target: string): string[] {
  const names = [spec.title];
  for (const s of [...spec.servers, target]) {
    try {
      const url = new URL(s, 'http://placeholder.invalid');
      if (url.hostname !== 'placeholder.invalid' && !/^[\d.]+$|^\[/.test(url.hostname)) names.push(url.hostname.split('.')[0] ?? '');
      names.push(url.pathname);
    } catch { /* a server URL with variables: its title words are enough */ }
  }
  return names.filter((n) => n !== '');
}

/** Tries the API's name variants, then the bundled list; undefined when none signed the token. */
export function crackHmac(token: string, names: readonly string[]): Cracked | undefined {
  const alg = hmacAlg(token);
  const [h, p, s] = token.split('.');
  if (alg === undefined || h === undefined || p === undefined || s === undefined || s === '') return undefined;
  let signature: Uint8Array;
  try {
    signature = base64url.decode(s);
  } catch {
    return undefined;
  }
  const hash = HASH[alg] as string;
  const input = `${h}.${p}`;
  const expected = Buffer.from(signature);
  const matches = (secret: string): boolean => {
    const mac = createHmac(hash, secret).update(input).digest();
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  };
  for (const secret of nameVariants(names)) if (matches(secret)) return { secret, alg, source: 'name' };
  for (const secret of COMMON_SECRETS) if (matches(secret)) return { secret, alg, source: 'common' };
  return undefined;
}

/** A secret as a report may show it: enough to recognise, not enough to use. */
export function maskSecret(secret: string): string {
  if (secret === '') return '(the empty string)';
  if (secret.length <= 4) return `"${secret.charAt(0)}${'*'.repeat(secret.length - 1)}" (${secret.length} characters)`;
  return `"${secret.slice(0, 2)}${'*'.repeat(Math.min(secret.length - 3, 12))}${secret.slice(-1)}" (${secret.length} characters)`;
}

/** Signs a compact JWS with a known HMAC secret (the forged token a target should refuse). */
export function signHmac(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string): string {
  const alg = typeof header.alg === 'string' ? header.alg : 'HS256';
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  return `${input}.${base64url.encode(createHmac(HASH[alg] ?? 'sha256', secret).update(input).digest())}`;
}
