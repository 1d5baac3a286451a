import { parseStrictObject } from './json-strict.js';

/** A token that passed the structural checks, with its header and claims decoded (not yet trusted). */
export interface PrecheckedToken {
  readonly header: Readonly<Record<string, unknown>>;
  readonly claims: Readonly<Record<string, unknown>>;
  readonly alg: string;
  readonly signature: Buffer;
}

export type Precheck = { readonly ok: true; readonly token: PrecheckedToken } | { readonly ok: false; readonly reason: string };

/** Longer than any real access token; bounds the work an attacker can ask for. */
export const MAX_TOKEN_LENGTH = 8192;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SIGNATURE = /^[A-Za-z0-9_-]*$/;
/**
 * Key ids are opaque (RFC 7515 §4.1.4): providers use standard base64 (`/`, `+`, `=`), URNs,
 * `name@domain`. Any printable string is accepted; the gateway only ever compares it exactly
 * with the `kid`s of the issuer's key set in memory, and never puts it in a path, a URL, a
 * query or a file name, so a `kid` of `../../dev/null` or `' OR 1=1 --` is merely a key id the
 * issuer does not have. Control characters (log forging) and absurd lengths are refused.
 */
function printableKid(kid: unknown): boolean {
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256) return false;
  for (let i = 0; i < kid.length; i++) {
    const c = kid.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
  }
  return true;
}
/**
 * Header members that would let the token choose its own verification key (RFC 8725 §3.10:
 * `jwk`, `jku`, `x5u`, `x5c`) or change how it is verified (`crit`, `b64` of RFC 7797, `zip`).
 * Keys come only from the issuer's JWKS; none of these has a legitimate use at a gateway.
 */
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit', 'b64', 'zip'] as const;
/** Access-token types we accept (RFC 9068 `at+jwt`); an ID token or a DPoP proof is not an access token. */
const ACCEPTED_TYP = new Set(['jwt', 'at+jwt', 'application/at+jwt', 'application/jwt']);
/** Raw (IEEE P1363) ECDSA signature sizes: r and s each of the curve's byte length. */
const ECDSA_SIZE: Record<string, number> = { ES256: 64, ES384: 96, ES512: 132, ES256K: 64 };

/**
 * Structural checks done before any cryptography, so a malformed or hostile token costs a few
 * string operations and never reaches the key lookup. jose verifies the signature and claims
 * afterwards; these are the refusals jose leaves to the application.
 */
export function precheckJwt(token: string): Precheck {
  if (token.length > MAX_TOKEN_LENGTH) return fail('token longer than the limit');
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) return fail('not a compact JWS (three segments)');
  const h = token.slice(0, first);
  const p = token.slice(first + 1, second);
  const s = token.slice(second + 1);
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SIGNATURE.test(s)) return fail('segments are not base64url');
  const header = parseStrictObject(Buffer.from(h, 'base64url').toString('utf8'));
  if (header === undefined) return fail('header is not a JSON object with unique member names');
  const alg = header.alg;
  if (typeof alg !== 'string') return fail('header has no alg');
  if (alg.toLowerCase() === 'none') return fail('alg none');
  for (const name of FORBIDDEN_HEADERS) {
    if (name in header) return fail(`header carries ${name}`);
  }
  if ('kid' in header && !printableKid(header.kid)) {
    return fail('kid is not a printable string of at most 256 characters');
  }
  if ('typ' in header && (typeof header.typ !== 'string' || !ACCEPTED_TYP.has(header.typ.toLowerCase()))) {
    return fail('typ is not an access-token type');
  }
  const claims = parseStrictObject(Buffer.from(p, 'base64url').toString('utf8'));
  if (claims === undefined) return fail('payload is not a JSON object with unique member names');
  const signature = Buffer.from(s, 'base64url');
  if (signature.length === 0) return fail('empty signature');
  const ecSize = ECDSA_SIZE[alg];
  if (ecSize !== undefined) {
    if (signature.length !== ecSize) return fail('ECDSA signature of the wrong size');
    // CVE-2022-21449 ("psychic signatures"): r = 0 or s = 0 verified against any key in some
    // runtimes. Refused here whatever the crypto library does.
    if (isZero(signature, 0, ecSize / 2) || isZero(signature, ecSize / 2, ecSize)) return fail('ECDSA signature with r or s zero');
  }
  return { ok: true, token: { header, claims, alg, signature } };
}

function isZero(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

function fail(reason: string): Precheck {
  return { ok: false, reason };
}
