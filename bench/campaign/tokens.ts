/**
 * Forged bearer tokens, the way an attacker makes them: no signature (`alg: none` in its
 * spellings), a signature by the wrong key, the HS/RS (and HS/EC) confusion that signs with the
 * issuer's *public* key as an HMAC secret, claims that are out of date or meant for someone else,
 * `kid` and header tricks, and encodings a lenient parser might accept. Each is paired with the
 * legitimate token it imitates: if the legitimate one is refused, the forgery results mean nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, exportSPKI, generateKeyPair, type CryptoKey, type JWK } from 'jose';

export interface Issuer {
  readonly issuer: string;
  readonly audience: string;
  readonly alg: 'ES256' | 'RS256';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The subject whose own resource the request reads (object-level rules must let it through). */
  readonly subject: string;
  readonly scopes: readonly string[];
}

export interface Forged {
  readonly name: string;
  readonly token: string;
}

/** A fresh signing key, its public JWK with `kid`, for a campaign's issuer. */
export async function issuerKey(alg: 'ES256' | 'RS256', kid: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicKey, jwk: { ...await exportJWK(publicKey), kid, alg, use: 'sig' } };
}

const b64 = (v: string | Uint8Array): string => Buffer.from(v).toString('base64url');
const part = (o: unknown): string => b64(JSON.stringify(o));

function claims(i: Issuer, over: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: i.issuer, aud: i.audience, sub: i.subject, scope: i.scopes.join(' '), iat: now, exp: now + 600, jti: randomUUID(), ...over };
}

async function signed(i: Issuer, payload: Record<string, unknown>, header: Record<string, unknown> = {}, key: CryptoKey | Uint8Array = i.privateKey): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: i.alg, kid: i.kid, typ: 'at+jwt', ...header } as { alg: string }).sign(key);
}

/** The token the forgeries imitate, valid for the issuer. */
export function legitimate(i: Issuer): Promise<string> {
  return signed(i, claims(i));
}

export async function forgeries(i: Issuer): Promise<Forged[]> {
  const now = Math.floor(Date.now() / 1000);
  const good = await legitimate(i);
  const [gh, gp, gs] = good.split('.') as [string, string, string];
  const out: Forged[] = [];
  const add = (name: string, token: string): void => { out.push({ name, token }); };

  // No signature at all.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add(`alg ${alg}, empty signature`, `${part({ alg, typ: 'JWT' })}.${part(claims(i))}.`);
    add(`alg ${alg}, signature kept`, `${part({ alg, kid: i.kid })}.${part(claims(i))}.${gs}`);
  }
  add('alg missing', `${part({ kid: i.kid, typ: 'JWT' })}.${part(claims(i))}.${gs}`);
  add('signature stripped', `${gh}.${gp}.`);
  add('two segments', `${gh}.${gp}`);

  // The right claims, signed by someone else's key.
  const otherEc = await generateKeyPair('ES256');
  const otherRsa = await generateKeyPair('RS256');
  const wrong = i.alg === 'ES256' ? otherEc.privateKey : otherRsa.privateKey;
  add('wrong key, same kid', await signed(i, claims(i), {}, wrong));
  add('wrong key, no kid', await new SignJWT(claims(i)).setProtectedHeader({ alg: i.alg }).sign(wrong));
  add('wrong key, unknown kid', await signed(i, claims(i), { kid: 'attacker-key-1' }, wrong));
  add('other algorithm family (RS256 on an ES256 issuer, or the reverse)', await new SignJWT(claims(i))
    .setProtectedHeader({ alg: i.alg === 'ES256' ? 'RS256' : 'ES256', kid: i.kid }).sign(i.alg === 'ES256' ? otherRsa.privateKey : otherEc.privateKey));
  add('PS256 by another key', await new SignJWT(claims(i)).setProtectedHeader({ alg: 'PS256', kid: i.kid }).sign((await generateKeyPair('PS256')).privateKey));

  // Algorithm confusion: the issuer's public key used as an HMAC secret.
  const spki = await exportSPKI(i.publicKey);
  const jwk = JSON.stringify(await exportJWK(i.publicKey));
  const secrets: [string, Uint8Array][] = [
    ['PEM', new TextEncoder().encode(spki)],
    ['PEM without trailing newline', new TextEncoder().encode(spki.trimEnd())],
    ['JWK JSON', new TextEncoder().encode(jwk)],
    ['DER', Buffer.from(spki.replace(/-----[^-]+-----|\s/g, ''), 'base64')],
    ['kid', new TextEncoder().encode(i.kid)],
    ['empty-ish', new TextEncoder().encode(' ')],
  ];
  for (const alg of ['HS256', 'HS384', 'HS512']) {
    for (const [what, secret] of secrets) {
      add(`${alg} keyed with the public key (${what})`, await new SignJWT(claims(i)).setProtectedHeader({ alg, kid: i.kid }).sign(secret));
    }
  }

  // Valid signatures on claims that must not pass.
  add('expired an hour ago', await signed(i, claims(i, { iat: now - 7200, exp: now - 3600 })));
  add('expired beyond the clock skew', await signed(i, claims(i, { iat: now - 700, exp: now - 120 })));
  add('not valid before an hour from now', await signed(i, claims(i, { nbf: now + 3600 })));
  add('issued in the future', await signed(i, claims(i, { iat: now + 3600, exp: now + 4000 })));
  add('lifetime of a year', await signed(i, claims(i, { exp: now + 365 * 86_400 })));
  add('no exp', await signed(i, Object.fromEntries(Object.entries(claims(i)).filter(([k]) => k !== 'exp'))));
  add('no iat', await signed(i, Object.fromEntries(Object.entries(claims(i)).filter(([k]) => k !== 'iat'))));
  add('exp as a string', await signed(i, claims(i, { exp: String(now + 600) })));
  add('wrong audience', await signed(i, claims(i, { aud: 'another-api' })));
  add('audience list without ours', await signed(i, claims(i, { aud: ['another-api', `${i.audience}-staging`] })));
  add('audience differs in case', await signed(i, claims(i, { aud: i.audience.toUpperCase() })));
  add('no audience', await signed(i, Object.fromEntries(Object.entries(claims(i)).filter(([k]) => k !== 'aud'))));
  add('wrong issuer', await signed(i, claims(i, { iss: 'https://evil.example' })));
  add('issuer with a trailing slash', await signed(i, claims(i, { iss: `${i.issuer}/` })));
  add('issuer differs in case', await signed(i, claims(i, { iss: i.issuer.toUpperCase() })));
  add('no issuer', await signed(i, Object.fromEntries(Object.entries(claims(i)).filter(([k]) => k !== 'iss'))));

  // Header tricks: keys the token brings along, kid injection, critical extensions.
  const attacker = await generateKeyPair(i.alg, { extractable: true });
  const attackerJwk = { ...await exportJWK(attacker.publicKey), kid: i.kid };
  add('embedded jwk header with the attacker\'s key', await signed(i, claims(i), { jwk: attackerJwk }, attacker.privateKey));
  add('jku pointing at the attacker', await signed(i, claims(i), { jku: 'http://127.0.0.1:9/jwks.json', kid: 'attacker' }, attacker.privateKey));
  add('x5u pointing at the attacker', await signed(i, claims(i), { x5u: 'http://127.0.0.1:9/cert.pem' }, attacker.privateKey));
  add('x5c with junk', await signed(i, claims(i), { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] }, attacker.privateKey));
  for (const kid of ['../../../../dev/null', '/dev/null', "' OR '1'='1", 'x" UNION SELECT \'key\' --', 'kid\u0000admin', '', '../keys/signing.jwk', 'http://127.0.0.1:9/k']) {
    add(`kid ${JSON.stringify(kid)} signed with an empty HMAC secret`, await new SignJWT(claims(i)).setProtectedHeader({ alg: 'HS256', kid }).sign(new Uint8Array(32)));
    add(`kid ${JSON.stringify(kid)} signed by the attacker`, await signed(i, claims(i), { kid }, attacker.privateKey));
  }
  add('kid as a number', `${part({ alg: i.alg, kid: 1 })}.${gp}.${gs}`);
  add('kid as an object', `${part({ alg: i.alg, kid: { $ne: null } })}.${gp}.${gs}`);
  add('crit extension the gateway cannot know', `${part({ alg: i.alg, kid: i.kid, crit: ['exp'], exp: 1 })}.${gp}.${gs}`);
  add('b64: false', `${part({ alg: i.alg, kid: i.kid, b64: false, crit: ['b64'] })}.${gp}.${gs}`);
  add('typ JWE', `${part({ alg: i.alg, kid: i.kid, typ: 'JWE' })}.${gp}.${gs}`);

  // A genuine signature over different claims (the payload swapped after signing).
  const tampered = part({ ...JSON.parse(Buffer.from(gp, 'base64url').toString()) as object, sub: 'admin', roles: ['admin'] });
  add('payload tampered after signing', `${gh}.${tampered}.${gs}`);
  add('header swapped after signing', `${part({ alg: i.alg, kid: i.kid })}.${gp}.${gs}`);
  add('signature of another token', `${gh}.${gp}.${(await legitimate(i)).split('.')[2] ?? ''}`);
  add('zero signature (r = s = 0)', `${gh}.${gp}.${b64(new Uint8Array(i.alg === 'ES256' ? 64 : 256))}`);
  add('signature bit-flipped', `${gh}.${gp}.${flip(gs)}`);
  add('ECDSA signature in DER form', `${gh}.${gp}.${b64(Buffer.concat([Buffer.from([0x30, 0x44, 0x02, 0x20]), Buffer.alloc(32, 1), Buffer.from([0x02, 0x20]), Buffer.alloc(32, 1)]))}`);

  // Encodings a lenient parser might read the same way.
  add('standard base64 with padding', [gh, gp, gs].map((s) => Buffer.from(s, 'base64url').toString('base64')).join('.'));
  add('padding added', `${gh}==.${gp}=.${gs}`);
  add('whitespace inside', `${gh}.${gp.slice(0, 10)} ${gp.slice(10)}.${gs}`);
  add('four segments', `${gh}.${gp}.${gs}.${gs}`);
  add('empty header', `.${gp}.${gs}`);
  add('header not JSON', `${b64('alg=none')}.${gp}.${gs}`);
  add('header a JSON array', `${b64('["ES256"]')}.${gp}.${gs}`);
  add('duplicate alg in header', `${b64(`{"alg":"${i.alg}","kid":"${i.kid}","alg":"none"}`)}.${gp}.`);
  add('duplicate sub in payload, valid signature of the first', `${gh}.${b64(Buffer.from(gp, 'base64url').toString().replace(/}$/, ',"sub":"admin"}'))}.${gs}`);
  add('payload not JSON', `${gh}.${b64('sub=admin')}.${gs}`);
  add('non-ASCII in a segment', `${gh}.${gp}é.${gs}`);
  add('a JWE-shaped token (five segments)', `${part({ alg: 'dir', enc: 'A256GCM' })}..${b64('iv')}.${gp}.${b64('tag')}`);
  add('oversized (64 KiB)', `${gh}.${part(claims(i, { pad: 'x'.repeat(65_536) }))}.${gs}`);
  add('sha256 of the legitimate token', createHash('sha256').update(good).digest('base64url'));
  return out;
}

function flip(segment: string): string {
  const bytes = Buffer.from(segment, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}
