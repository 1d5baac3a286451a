/**
 * Identities (`--auth name=Header:Value`, `--auth-file`) and the forged credentials the broken
 * authentication check sends. Forgeries re-encode the payload of a real token: a service that
 * checks signatures, algorithms, expiry and audience refuses every one of them.
 */
import { readFile } from 'node:fs/promises';
import { base64url } from 'jose';
import { randomBytes, createHmac } from 'node:crypto';
import { ScanError } from './errors.js';
import type { Identity } from './types.js';

/** Parses `name=Header:Value`; the value may itself contain `:` and `=`. */
export function parseIdentity(spec: string, where = '--auth'): Identity {
  const eq = spec.indexOf('=');
  const colon = spec.indexOf(':', eq + 1);
  const name = spec.slice(0, eq).trim();
  const header = spec.slice(eq + 1, colon).trim();
  const value = spec.slice(colon + 1).trim();
  if (eq <= 0 || colon < 0 || !/^[A-Za-z0-9_.-]+$/.test(name) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(header) || value === '') {
    throw new ScanError('GH_SCAN_USAGE', `${where}: expected name=Header:Value (e.g. user1=Authorization:Bearer eyJ...), got "${spec.slice(0, 40)}"`);
  }
  return { name, header, value };
}

/** An auth file: one `name=Header:Value` per line; blank lines and `#` comments ignored. */
export async function readIdentityFile(file: string): Promise<Identity[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ScanError('GH_SCAN_USAGE', `--auth-file: cannot read ${file}: ${(error as Error).message}`);
  }
  return text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), i }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, i }) => parseIdentity(line, `${file}:${i + 1}`));
}

export function checkUniqueNames(ids: readonly Identity[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id.name)) throw new ScanError('GH_SCAN_USAGE', `identity "${id.name}" is given twice`);
    seen.add(id.name);
  }
}

/** Identities named like an administrator are privileged: the function-level check skips them. */
export function isPrivileged(id: Pick<Identity, 'name'>): boolean {
  return /admin|root|super|staff/i.test(id.name);
}

export interface DecodedJwt {
  readonly scheme: string;
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
}

/** The JWT inside a credential value (`Bearer eyJ...` or a bare token), or undefined. */
export function decodeJwt(value: string): DecodedJwt | undefined {
  const m = /^(?:(\S+)\s+)?(eyJ[\w-]*\.[\w-]+\.[\w-]*)$/.exec(value.trim());
  if (m === null) return undefined;
  const [h, p] = (m[2] as string).split('.');
  try {
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(h as string))) as unknown;
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p as string))) as unknown;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return undefined;
    return { scheme: m[1] === undefined ? '' : `${m[1]} `, header: header as Record<string, unknown>, payload: payload as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

function encodePart(obj: object): string {
  return base64url.encode(JSON.stringify(obj));
}

function signWithRandomKey(signingInput: string, alg: unknown): string {
  // HMAC with a key the service cannot know: a verifier that checks signatures refuses it.
  if (typeof alg === 'string' && alg.startsWith('HS')) {
    const hash = alg === 'HS384' ? 'sha384' : alg === 'HS512' ? 'sha512' : 'sha256';
    return base64url.encode(createHmac(hash, randomBytes(32)).update(signingInput).digest());
  }
  return base64url.encode(randomBytes(alg === 'ES256' ? 64 : 256));
}

export interface Forgery {
  /** Rule id suffix and human name. */
  readonly id: 'no-credentials' | 'malformed' | 'alg-none' | 'bad-signature' | 'expired' | 'wrong-audience';
  readonly label: string;
  /** The credential header value; undefined removes the header. */
  readonly value: string | undefined;
}

/** Forged variants of an identity's credential; JWT-specific ones only when it carries a JWT. */
export function forgeries(identity: Identity, nowSeconds: number): Forgery[] {
  const out: Forgery[] = [
    { id: 'no-credentials', label: 'without credentials', value: undefined },
  ];
  const jwt = decodeJwt(identity.value);
  if (jwt === undefined) {
    out.push({ id: 'malformed', label: 'with a malformed credential', value: `${identity.value.slice(0, -4)}XXXX` });
    return out;
  }
  const { scheme, header, payload } = jwt;
  out.push({ id: 'malformed', label: 'with a malformed token', value: `${scheme}eyJhbGciOi.not-a-token.x` });
  out.push({ id: 'alg-none', label: 'with an unsigned token (alg: none)', value: `${scheme}${encodePart({ ...header, alg: 'none' })}.${encodePart(payload)}.` });
  const sign = (p: object): string => {
    const input = `${encodePart(header)}.${encodePart(p)}`;
    return `${scheme}${input}.${signWithRandomKey(input, header.alg)}`;
  };
  out.push({ id: 'bad-signature', label: 'with a token signed by another key', value: sign(payload) });
  out.push({ id: 'expired', label: 'with an expired token', value: sign({ ...payload, iat: nowSeconds - 7200, nbf: nowSeconds - 7200, exp: nowSeconds - 3600 }) });
  out.push({ id: 'wrong-audience', label: 'with a token for another audience', value: sign({ ...payload, aud: 'gatehouse-scan-other-audience' }) });
  return out;
}

export { parseLogin, LoginIdentity, LoginManager, credentialFrom, loginSecrets, type LoginSpec, type TokenSource } from './login.js';
