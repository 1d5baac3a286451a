/**
 * Excessive data exposure (API3): passive, on every successful response the scan receives.
 * Fields the response schema does not declare are a finding (a contract violation). Sensitive data
 * needs evidence in the value or in whose it is, never a field name alone:
 * - a value that is a credential whoever reads it: a password hash, a Luhn-valid card number, a
 *   vendor secret key, a password-like string in a password field;
 * - a token, or a field named like a secret, in a record that belongs to someone other than the
 *   caller (its owner or subject fields name another user than the caller's profile).
 * A user reading her own record whose field is called `secret` is reading her own data.
 */
import { classifyValue, isSensitiveName } from '../../detect/sensitive/classify.js';
import type { Operation } from '../../openapi/index.js';
import type { ScanContext } from '../context.js';
import type { Profile } from '../values.js';
import type { Exchange } from '../types.js';
import { OWASP } from '../types.js';

/** Field names whose value is never for a client to read back, declared or not. */
const SECRET_FIELD = /^(password|passwd|pwd|pass|passphrase|password_?hash|ssn|cvv|cvc|card_?number|credit_?card|pin|secret|client_?secret|private_?key|api_?key|token|access_?token|refresh_?token|otp_?secret|mfa_?secret|totp_?secret)$/i;
const PASSWORD_FIELD = /^(password|passwd|pwd|pass|passphrase|plain_?password)$/i;
const MASKED = /^[*xX•.-]*$|^\*+\w{0,4}$|^(null|none|redacted|hidden|\[redacted\])$/i;
const PASSWORD_HASH = /^(\$2[abxy]\$\d\d\$[./A-Za-z0-9]{20,}|\$argon2(id|i|d)\$.+|\$pbkdf2[-\w]*\$.+|\$[56]\$[^$]+\$.+|pbkdf2_sha256\$.+|\{SSHA\}.+|sha1\$\w+\$[0-9a-f]{40})$/;
/** Fields that say whose a record is, or who it describes. */
const OWNER_FIELD = /^(owner|owner_?id|user_?id|userid|user|username|user_?name|created_?by|author|author_?id|account_?id|customer_?id|member_?id|login|email)$/i;
const SUBJECT_FIELD = /^(id|uid|username|user_?name|login|email|handle)$/i;
const USER_PATH = /\/(users?|accounts?|members?|customers?|profiles?|people|persons?|employees?|staff|admins?)(\/|$)/i;
const AUTH_PATH = /login|logon|signin|sign-in|token|oauth|session|auth|refresh|register|signup/i;

/** Paths of properties present in `before` and removed in `after` (the stripped copy). */
export function removedPaths(before: unknown, after: unknown, path = '', out = new Set<string>(), budget = { n: 2000 }): Set<string> {
  if (--budget.n < 0 || before === null || typeof before !== 'object' || after === null || typeof after !== 'object') return out;
  if (Array.isArray(before) && Array.isArray(after)) {
    before.forEach((item, i) => removedPaths(item, after[i], `${path}[]`, out, budget));
    return out;
  }
  const a = after as Record<string, unknown>;
  for (const [k, v] of Object.entries(before as Record<string, unknown>)) {
    if (!(k in a)) out.add(`${path}.${k}`.replace(/^\./, ''));
    else removedPaths(v, a[k], `${path}.${k}`, out, budget);
  }
  return out;
}

/** What a value is, by its own shape, whoever's it is: a credential, a card, a key. */
export function credentialIn(field: string, value: string): string | undefined {
  if (PASSWORD_HASH.test(value)) return 'password hash';
  const c = classifyValue(value);
  if (c === 'card') return 'card number';
  if (c === 'secret') return 'secret key';
  if (PASSWORD_FIELD.test(field) && value.length >= 4 && value.length <= 128 && !/\s/.test(value) && !MASKED.test(value)) return 'plaintext password';
  return undefined;
}

type Owner = 'caller' | 'other' | 'unknown';

/** Whose a record is: the caller's (an owner or subject field names the caller), another's, or unknown. */
export function ownerOf(record: Record<string, unknown>, caller: Profile | undefined, userRecord: boolean): Owner {
  const mine = caller?.all() ?? new Set<string>();
  const names: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    if (OWNER_FIELD.test(k) || (userRecord && SUBJECT_FIELD.test(k))) names.push(String(v));
  }
  if (names.length === 0) return 'unknown';
  if (names.some((n) => mine.has(n))) return 'caller';
  // An anonymous caller owns nothing; an identity without a known profile cannot be told apart.
  return caller === undefined || mine.size > 0 ? 'other' : 'unknown';
}

interface Hit { path: string; field: string; what: string; owner: Owner }

function* records(value: unknown, path: string, budget: { n: number }): Generator<[string, Record<string, unknown>]> {
  if (--budget.n < 0 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value.slice(0, 50)) yield* records(v, `${path}[]`, budget);
    return;
  }
  const o = value as Record<string, unknown>;
  yield [path, o];
  for (const [k, v] of Object.entries(o)) if (v !== null && typeof v === 'object') yield* records(v, path === '' ? k : `${path}.${k}`, budget);
}

export function sensitiveHits(op: Operation, json: unknown, caller: Profile | undefined, credential: string | undefined): Hit[] {
  const hits: Hit[] = [];
  const auth = AUTH_PATH.test(op.path) || AUTH_PATH.test(op.operationId ?? '');
  for (const [path, record] of records(json, '', { n: 5000 })) {
    const userRecord = USER_PATH.test(op.path) || 'username' in record || 'email' in record;
    const owner = ownerOf(record, caller, userRecord);
    for (const [field, v] of Object.entries(record)) {
      if (typeof v !== 'string' || v === '' || MASKED.test(v)) continue;
      const at = path === '' ? field : `${path}.${field}`;
      const what = credentialIn(field, v);
      if (what !== undefined) { hits.push({ path: at, field, what, owner }); continue; }
      // Login and token operations hand their caller credentials: that is their job.
      if (auth) continue;
      // The caller's own session token is the caller's to hold.
      const kind = classifyValue(v);
      if (kind === 'jwt' && owner === 'other' && (credential === undefined || !credential.includes(v))) {
        hits.push({ path: at, field, what: 'token of another user', owner });
      } else if (owner === 'other' && SECRET_FIELD.test(field)) {
        hits.push({ path: at, field, what: `${field} of another user`, owner });
      } else if (owner === 'other' && (kind === 'ssn' || kind === 'iban')) {
        hits.push({ path: at, field, what: `${kind === 'ssn' ? 'social security number' : 'IBAN'} of another user`, owner });
      }
    }
  }
  return hits;
}

export function exposureObserver(ctx: ScanContext): void {
  ctx.client.onExchange((e: Exchange) => {
    if (e.operation === undefined || e.response.status < 200 || e.response.status >= 300 || e.response.json === undefined) return;
    const op = ctx.operations.find((o) => o.id === e.operation);
    if (op === undefined) return;
    const caller = ctx.known.profile(e.request.identity);
    const credential = e.request.identity === undefined ? undefined : ctx.identities.find((i) => i.name === e.request.identity)?.value;
    const hits = sensitiveHits(op, e.response.json, caller, credential);
    const validator = ctx.validators(op)?.response(e.response.status, e.response.headers['content-type'] ?? '');
    let paths: string[] = [];
    if (validator !== undefined && validator.kind === 'json') {
      const copy = structuredClone(e.response.json);
      if (validator.strip(copy) > 0) {
        paths = [...removedPaths(e.response.json, copy)];
        const named = paths.filter((p) => isSensitiveName(p.split('.').pop()?.replace('[]', '') ?? ''));
        const proven = hits.filter((h) => paths.includes(h.path));
        ctx.findings.add({
          ruleId: 'exposure.undeclared-field', check: 'exposure', severity: proven.length > 0 ? 'high' : 'medium', owasp: OWASP.API3,
          title: 'Response carries fields the spec does not declare', operation: op.id, request: e.request, response: e.response,
          evidence: `the ${e.response.status} response of ${op.method} ${op.path} has undeclared field(s) ${paths.slice(0, 8).join(', ')}`
            + (proven.length > 0 ? ` (holding a ${[...new Set(proven.map((h) => h.what))].join(', ')}: ${proven.map((h) => h.path).slice(0, 4).join(', ')})` : named.length > 0 ? ` (named like sensitive data: ${named.join(', ')}; the values hold no credential)` : ''),
        });
      }
    }
    for (const hit of hits) {
      // An undeclared field holding the credential is already reported, with its value's kind, above.
      if (paths.includes(hit.path)) continue;
      ctx.findings.add({
        ruleId: 'exposure.sensitive-data', check: 'exposure', severity: 'high', owasp: OWASP.API3,
        title: `Response exposes a ${hit.what}`, operation: op.id, request: e.request, response: e.response, key: hit.what,
        evidence: `the ${e.response.status} response of ${op.method} ${op.path} has a ${hit.what} at ${hit.path}`
          + (hit.owner === 'other' ? ` in a record of another user than "${e.request.identity ?? 'an anonymous caller'}"` : ''),
      });
    }
  });
}
