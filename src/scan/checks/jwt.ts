/**
 * JSON Web Tokens (API2, broken authentication). Tokens the scan holds (the identities' own, and
 * any a response handed out) are attacked offline and online:
 * - a weak HMAC secret (RFC 7518 §3.2) is recovered offline from a bundled list and the API's name
 *   variants, then proven by a forged token the target accepts while it refuses the same token
 *   with its claims altered — so the forgery succeeded because of the secret, not a lax verifier;
 * - with the secret, an expired token is forged (RFC 7519 §4.1.4: `exp` must be enforced); a held
 *   token past its `exp` is replayed as it is;
 * - the payload altered under the original signature, the signature stripped, and `alg: none` in
 *   spellings a case-sensitive deny-list misses (`None`, `NONE`).
 * A probe operation must answer 2xx to the real token and 401/403 without one, so every verdict
 * compares a refusal with an acceptance on the same operation.
 */
import { base64url } from 'jose';
import type { Operation } from '../../openapi/index.js';
import { ownedAccounts, probeOperation, rememberSecret } from '../accounts.js';
import { decodeJwt } from '../auth.js';
import { isSecured, sendOp, type ScanContext, type Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import { apiNames, crackHmac, hmacAlg, maskSecret, signHmac, type Cracked } from '../jwt-crack.js';
import { OWASP, type Exchange, type Identity, type Severity } from '../types.js';
import { effectivelySecured } from './auth-undeclared.js';
import { freshValues } from './fresh.js';

interface Held {
  readonly token: string;
  /** The given identity the token belongs to: requests with it are reported with `$GH_AUTH_<NAME>`. */
  readonly identity?: Identity;
  readonly header: string;
  readonly scheme: string;
  readonly source: string;
}

const JWT = /eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*/g;
const observed = new WeakMap<ScanContext, Map<string, string>>();
const ok = (s: number): boolean => s >= 200 && s < 300;
const refused = (s: number): boolean => s === 401 || s === 403;
const MAX_OBSERVED = 8;

/** Remembers tokens that responses hand out (login answers, Authorization and Set-Cookie headers). */
export function jwtObserver(ctx: ScanContext): void {
  const seen = new Map<string, string>();
  observed.set(ctx, seen);
  ctx.client.onExchange((e: Exchange) => {
    if (seen.size >= MAX_OBSERVED || e.response.status === 0) return;
    const text = `${e.response.body.slice(0, 65_536)} ${e.response.headers.authorization ?? ''} ${e.response.headers['set-cookie'] ?? ''}`;
    for (const m of text.matchAll(JWT)) {
      if (seen.has(m[0]) || decodeJwt(m[0]) === undefined || e.request.body?.includes(m[0]) === true) continue;
      seen.set(m[0], `${e.request.method} ${e.request.path.split('?')[0] ?? ''}`);
      rememberSecret(ctx, m[0], '<a token the service issued>');
    }
  });
}

async function heldTokens(ctx: ScanContext): Promise<Held[]> {
  const held: Held[] = [];
  const add = (h: Held): void => { if (!held.some((x) => x.token === h.token)) held.push(h); };
  let ids: readonly Identity[] = ctx.identities;
  if (!ids.some((i) => decodeJwt(i.value) !== undefined)) ids = [...ids, ...(await ownedAccounts(ctx, 1)).flatMap((a) => a.identity ?? [])];
  for (const id of ids) {
    const jwt = decodeJwt(id.value);
    if (jwt !== undefined) add({ token: id.value.slice(jwt.scheme.length).trim(), identity: id, header: id.header, scheme: jwt.scheme, source: `the credential of "${id.name}"` });
  }
  const template = held[0] ?? { header: 'Authorization', scheme: 'Bearer ' };
  for (const [token, where] of observed.get(ctx) ?? []) add({ token, header: template.header, scheme: template.scheme, source: `a token in the response to ${where}` });
  return held;
}

/** Paths a probe must never call again and again: they reset, wipe or end something. */
const UNSAFE = /(reset|drop|purge|wipe|init|seed|delete|remove|destroy|logout|log-out|signout|revoke|create-?database)/i;

/**
 * Operations where a token's acceptance can be told from its refusal: the `me` read, reads the
 * spec leaves unsecured but the service protects, then secured reads. Up to three, each checked
 * separately: one route that only decodes the token is enough to break authentication.
 */
async function probes(ctx: ScanContext, held: Held): Promise<{ op: Operation; values: RequestValues; baseline: Sent }[]> {
  const me = probeOperation(ctx);
  const reads = ctx.operations.filter((o) => o.method === 'GET' && !UNSAFE.test(o.path) && ctx.successes.has(o.id));
  const candidates = [...new Set([
    ...(me === undefined ? [] : [me]),
    ...reads.filter((o) => effectivelySecured(ctx, o)),
    ...reads.filter((o) => isSecured(o) && !o.path.includes('{')),
    ...reads.filter((o) => isSecured(o) && o.path.includes('{')),
  ])].slice(0, 5);
  const out: { op: Operation; values: RequestValues; baseline: Sent }[] = [];
  for (const op of candidates) {
    const values = await freshValues(ctx, op, ctx.primary);
    const baseline = await send(ctx, op, held, held.token, values);
    if (!ok(baseline.response.status)) continue;
    const anonymous = await sendOp(ctx, op, values, undefined);
    if (!refused(anonymous.response.status)) continue;
    out.push({ op, values, baseline });
    if (out.length === 3) break;
  }
  return out;
}

function send(ctx: ScanContext, op: Operation, held: Held, token: string, values: RequestValues): Promise<Sent> {
  if (token === held.token && held.identity !== undefined) return sendOp(ctx, op, values, held.identity);
  return sendOp(ctx, op, values, undefined, { headers: { [held.header.toLowerCase()]: `${held.scheme}${token}` } });
}

const part = (o: object): string => base64url.encode(JSON.stringify(o));

export async function jwtCheck(ctx: ScanContext): Promise<void> {
  const names = apiNames(ctx.spec, ctx.client.origin);
  const held = await heldTokens(ctx);
  if (held.length === 0) {
    ctx.note('jwt: the scan holds no JSON Web Token (no identity carries one and no response handed one out); skipped');
    return;
  }
  let tested = 0;
  for (const h of held.slice(0, 6)) {
    ctx.phase('jwt');
    const cracked = hmacAlg(h.token) === undefined ? undefined : crackHmac(h.token, names);
    // Tokens a response handed out are only attacked online when they cracked: their owner is unknown.
    if (tested >= 2 && cracked === undefined) continue;
    const targets = await probes(ctx, h);
    if (targets.length === 0) {
      if (cracked !== undefined) reportOffline(ctx, h, cracked);
      continue;
    }
    tested++;
    await attack(ctx, h, cracked, targets);
  }
}

function finding(ctx: ScanContext, rule: string, severity: Severity, title: string, op: Operation, sent: Sent, evidence: string): void {
  ctx.findings.add({ ruleId: `jwt.${rule}`, check: 'jwt', severity, owasp: OWASP.API2, title, operation: op.id, request: sent.request, response: sent.response, evidence });
}

async function attack(ctx: ScanContext, h: Held, cracked: Cracked | undefined, targets: { op: Operation; values: RequestValues; baseline: Sent }[]): Promise<void> {
  const jwt = decodeJwt(h.token);
  if (jwt === undefined) return;
  const [head, body, signature = ''] = h.token.split('.') as [string, string, string?];
  const now = Math.floor(Date.now() / 1000);
  let proven = false;
  for (const { op, values, baseline } of targets) {
    const altered = `${head}.${part({ ...jwt.payload, gh_scan: 'altered' })}.${signature}`;
    const alteredSent = await send(ctx, op, h, altered, values);
    const verifies = !ok(alteredSent.response.status);
    if (!verifies) {
      finding(ctx, 'claims-modified', 'critical', 'Token accepted with its claims altered under the original signature', op, alteredSent,
        `${op.method} ${op.path} answered ${alteredSent.response.status} to ${h.source} with a claim added to its payload and the signature left as it was: the signature is not verified`);
    }
    const stripped = await send(ctx, op, h, `${head}.${body}.`, values);
    if (ok(stripped.response.status)) {
      finding(ctx, 'signature-stripped', 'critical', 'Token accepted without its signature', op, stripped,
        `${op.method} ${op.path} answered ${stripped.response.status} to ${h.source} sent with an empty signature (alg still ${String(jwt.header.alg)})`);
    }
    if (!ctx.findings.has('auth.alg-none', op.id)) {
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        const sent = await send(ctx, op, h, `${part({ ...jwt.header, alg })}.${body}.`, values);
        if (!ok(sent.response.status)) continue;
        finding(ctx, 'alg-none', 'critical', 'Unsigned token accepted (alg: none)', op, sent,
          `${op.method} ${op.path} answered ${sent.response.status} to ${h.source} re-sent unsigned with "alg": "${alg}"`);
        break;
      }
    }
    const exp = typeof jwt.payload.exp === 'number' ? jwt.payload.exp : undefined;
    if (exp !== undefined && exp < now - 60) {
      // The probe's baseline was this very token: it answered 2xx although it has expired.
      finding(ctx, 'expired-accepted', 'high', 'Expired token accepted', op, baseline,
        `${op.method} ${op.path} answered ${baseline.response.status} to ${h.source}, which expired at ${new Date(exp * 1000).toISOString()}`);
    }
    if (cracked === undefined) continue;
    const forged = signHmac(jwt.header, { ...jwt.payload, iat: now, ...(exp === undefined ? {} : { exp: now + 600 }), gh_scan: 'forged' }, cracked.secret);
    const forgedSent = await send(ctx, op, h, forged, values);
    if (ok(forgedSent.response.status) && verifies) {
      proven = true;
      finding(ctx, 'weak-secret', 'critical', 'Token signing secret is weak: forged tokens are accepted', op, forgedSent,
        `${h.source} is ${cracked.alg}-signed with ${maskSecret(cracked.secret)}, ${cracked.source === 'name' ? 'a variant of the API\'s own name' : 'a secret from the bundled list of common ones'}, found offline; a token forged with it answered ${forgedSent.response.status} on ${op.method} ${op.path}, where the same token with altered claims was refused (${alteredSent.response.status})`);
      const expired = signHmac(jwt.header, { ...jwt.payload, iat: now - 7200, nbf: now - 7200, exp: now - 3600, gh_scan: 'expired' }, cracked.secret);
      const expiredSent = await send(ctx, op, h, expired, values);
      if (ok(expiredSent.response.status)) {
        finding(ctx, 'expired-accepted', 'high', 'Expired token accepted', op, expiredSent,
          `${op.method} ${op.path} answered ${expiredSent.response.status} to a correctly signed token whose exp lies an hour in the past (signed with the recovered secret)`);
      }
    }
  }
  if (cracked !== undefined && !proven) reportOffline(ctx, h, cracked);
}

function reportOffline(ctx: ScanContext, h: Held, cracked: Cracked): void {
  const op = ctx.operations[0];
  if (op === undefined) return;
  const token = `${h.scheme}${h.token.split('.').slice(0, 2).join('.')}.<signature>`;
  ctx.findings.add({
    ruleId: 'jwt.weak-secret', check: 'jwt', severity: 'high', owasp: OWASP.API2, title: 'Token signing secret is weak', operation: undefined,
    request: { method: 'GET', path: ctx.basePath || '/', headers: { [h.header.toLowerCase()]: token } },
    response: { status: 0, headers: {}, body: '', json: undefined, elapsedMs: 0 },
    evidence: `${h.source} is ${cracked.alg}-signed with ${maskSecret(cracked.secret)} (${cracked.source === 'name' ? 'a variant of the API\'s own name' : 'from the bundled list of common secrets'}), recovered offline; no operation was found to prove a forged token online, but anyone holding that secret can mint tokens`,
  });
}
