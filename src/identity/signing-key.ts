import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK, type KeyObject } from 'jose';

/** The local issuer's key: signs demo/test tokens (`gatehouse token`) and identity tokens forwarded upstream. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: 'ES256';
  readonly privateKey: CryptoKey | KeyObject;
  readonly publicJwk: JWK;
}

/**
 * Loads the private JWK at `file`, or makes a new ES256 key there (mode 0600) when `create` is
 * set and the file is missing. The key never leaves the file; only the public JWK is exported.
 * A key ring file (signing-keyring.ts) is read too: its newest active key is returned.
 */
export async function loadSigningKey(file: string, options: { create?: boolean } = {}): Promise<SigningKey> {
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || options.create !== true) {
      throw new Error(`cannot read the signing key ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  let jwk: JWK;
  if (text === undefined) {
    jwk = await generateSigningJwk();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(jwk, null, 2)}\n`, { mode: 0o600 });
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`the signing key ${file} is not a JSON Web Key`);
    }
    jwk = newestRingJwk(parsed) ?? parsed as JWK;
  }
  return signingKeyFromJwk(jwk, file);
}

/** A fresh private ES256 JWK with its thumbprint as kid. */
export async function generateSigningJwk(): Promise<JWK> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(pair.privateKey);
  jwk.kid = await calculateJwkThumbprint(jwk);
  jwk.alg = 'ES256';
  return jwk;
}

/** Imports a private EC P-256 JWK; `file` names the source in errors. */
export async function signingKeyFromJwk(jwk: JWK, file: string): Promise<SigningKey> {
  if (typeof jwk !== 'object' || jwk === null || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string') {
    throw new Error(`the signing key ${file} must be a private EC P-256 JWK`);
  }
  const { d: _d, ...publicJwk } = jwk;
  const kid = jwk.kid ?? await calculateJwkThumbprint(publicJwk);
  let privateKey: CryptoKey | KeyObject | Uint8Array;
  try {
    privateKey = await importJWK(jwk, 'ES256');
  } catch {
    throw new Error(`the signing key ${file} holds an EC key that cannot be imported`);
  }
  if (privateKey instanceof Uint8Array) throw new Error(`the signing key ${file} must be an asymmetric key`);
  return { kid, alg: 'ES256', privateKey, publicJwk: { ...publicJwk, kid, alg: 'ES256', use: 'sig' } };
}

/** The current key of a key ring file's content (signing-keyring.ts): the newest active one. */
function newestRingJwk(parsed: unknown): JWK | undefined {
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return undefined;
  const now = Date.now();
  const from = (k: { createdAt?: string; activeFrom?: string }) => Date.parse(k.activeFrom ?? k.createdAt ?? '');
  const active = (keys as { jwk?: JWK; createdAt?: string; activeFrom?: string; retiredAt?: string }[])
    .filter((k) => from(k) <= now && (k.retiredAt === undefined || Date.parse(k.retiredAt) > now))
    .sort((x, y) => from(y) - from(x));
  return active[0]?.jwk;
}

export interface MintOptions {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly subject: string;
  readonly ttlSeconds: number;
  readonly scopes?: readonly string[];
  readonly roles?: readonly string[];
  /** Extra claims (acr, amr, auth_time, tenant...). They cannot override the registered ones above. */
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly now?: number;
}

/** Signs a short-lived access token (RFC 9068 shape: typ at+jwt, jti, iat, exp). */
export async function mintToken(key: SigningKey, options: MintOptions): Promise<string> {
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  const claims: Record<string, unknown> = { ...options.claims };
  if (options.scopes !== undefined && options.scopes.length > 0) claims.scope = options.scopes.join(' ');
  if (options.roles !== undefined && options.roles.length > 0) claims.roles = [...options.roles];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(options.issuer)
    .setAudience(typeof options.audience === 'string' ? options.audience : [...options.audience])
    .setSubject(options.subject)
    .setJti(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + options.ttlSeconds)
    .sign(key.privateKey);
}

/** The public key set of the local issuer, for a `jwks: file:...` entry. */
export function publicJwks(...keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}
