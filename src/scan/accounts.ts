/**
 * Accounts for checks that need more than the identities they are given: throwaway accounts the
 * scanner registers itself (it knows their passwords, so it may change them, lock them out or
 * test enumeration on them), logging in, presenting the credential a login returns the way the
 * spec or the given identities do, and what an identity is called (its username, email, id).
 *
 * A small login flow of its own: the shared `--login` support is a separate piece of work; when
 * it lands, `logIn` can defer to it.
 */
import { randomBytes } from 'node:crypto';
import type { Operation } from '../openapi/index.js';
import { decodeJwt } from './auth.js';
import { findAuthFlows, userParam, type AuthFlows, type FieldFlow } from './auth-flows.js';
import { isSecured, sampleValues, sendOp, type ScanContext, type Sent } from './context.js';
import type { RequestValues } from './request.js';
import type { Identity } from './types.js';

export interface Account {
  /** The value of the login field (a username, or the email where the API logs in by email). */
  readonly login: string;
  readonly username: string;
  readonly email: string;
  password: string;
  /** A working credential, or undefined when logging in did not give one the service accepts. */
  readonly identity: Identity | undefined;
}

export interface Profile {
  readonly username?: string;
  readonly email?: string;
  readonly id?: string | number;
  readonly me?: Record<string, unknown>;
}

interface State {
  readonly flows: AuthFlows;
  readonly owned: Account[];
  readonly profiles: Map<string, Profile>;
  /** Credentials the scan obtained or chose itself (value -> what stands in its place in a report). */
  readonly secrets: Map<string, string>;
  failed: boolean;
  serial: number;
}

const states = new WeakMap<ScanContext, State>();

export function flowsOf(ctx: ScanContext): AuthFlows {
  return stateOf(ctx).flows;
}

function stateOf(ctx: ScanContext): State {
  let s = states.get(ctx);
  if (s === undefined) {
    s = { flows: findAuthFlows(ctx.operations), owned: [], profiles: new Map(), secrets: new Map(), failed: false, serial: 0 };
    states.set(ctx, s);
  }
  return s;
}

const ok = (status: number): boolean => status >= 200 && status < 300;
const rand = (n: number): string => randomBytes(n).toString('hex').slice(0, n);

/** A fresh account name: short, lowercase letters and digits, so most username rules accept it. */
export function freshName(ctx: ScanContext): string {
  const s = stateOf(ctx);
  s.serial++;
  return `ghs${rand(6)}${s.serial}`;
}

export const freshPassword = (): string => `Gh7!${rand(10)}aZ`;

/** The body of a login or registration with the account's fields and the other required ones. */
export function accountValues(ctx: ScanContext, flow: FieldFlow, fields: { login: string; email: string; password: string; username: string }, extra: Record<string, unknown> = {}): RequestValues {
  const sample = sampleValues(ctx, flow.op, 1, 31)[0] as RequestValues;
  const sampled = sample.body !== null && typeof sample.body === 'object' ? sample.body as Record<string, unknown> : {};
  const body: Record<string, unknown> = {};
  // Only required fields are sampled: an optional `role` drawn at random would make the account an admin.
  for (const r of flow.required) if (sampled[r] !== undefined) body[r] = sampled[r];
  if (flow.userField !== undefined) body[flow.userField] = flow.userField === flow.emailField ? fields.email : fields.username;
  if (flow.emailField !== undefined) body[flow.emailField] = fields.email;
  if (flow.passwordField !== undefined) body[flow.passwordField] = fields.password;
  for (const c of flow.confirmFields) body[c] = fields.password;
  return { ...sample, body: { ...body, ...extra }, mediaType: flow.media };
}

/** The login value for an account under a flow: its email where the flow logs in by email. */
function loginValue(flow: FieldFlow, username: string, email: string): string {
  return flow.userField === undefined || flow.userField === flow.emailField || /mail/i.test(flow.userField) ? email : username;
}

/** Registers an account (with `extra` properties in the body) and returns what was sent and answered. */
export async function register(ctx: ScanContext, extra: Record<string, unknown> = {}): Promise<{ account: Omit<Account, 'identity'>; sent: Sent } | undefined> {
  const flow = stateOf(ctx).flows.register;
  if (flow === undefined) return undefined;
  const username = freshName(ctx);
  const email = `${username}@example.com`;
  const password = freshPassword();
  rememberSecret(ctx, password, '[redacted]');
  const login = loginValue(stateOf(ctx).flows.login ?? flow, username, email);
  const sent = await sendOp(ctx, flow.op, accountValues(ctx, flow, { login, email, password, username }, extra), undefined);
  return { account: { login, username, email, password }, sent };
}

/** Logs in; `identity` is a credential the service accepted, when one could be made from the answer. */
export async function logIn(ctx: ScanContext, login: string, password: string, username = login): Promise<{ sent: Sent; identity: Identity | undefined } | undefined> {
  const flow = stateOf(ctx).flows.login;
  if (flow === undefined) return undefined;
  const sent = await sendOp(ctx, flow.op, accountValues(ctx, flow, { login, email: login, password, username }), undefined);
  if (!ok(sent.response.status)) return { sent, identity: undefined };
  const identity = await present(ctx, sent, login, password, username);
  if (identity !== undefined) rememberCredential(ctx, identity.value, username);
  return { sent, identity };
}

/**
 * Scanner-owned accounts, registered and logged in on first use; at most `n`. Fewer come back when
 * the API has no public registration or the service refuses it.
 */
export async function ownedAccounts(ctx: ScanContext, n: number): Promise<Account[]> {
  const s = stateOf(ctx);
  while (s.owned.length < n && !s.failed) {
    const made = await register(ctx);
    if (made === undefined || !ok(made.sent.response.status)) {
      s.failed = true;
      ctx.note(made === undefined ? 'accounts: no public registration operation; checks that need accounts of their own use the given identities'
        : `accounts: registration (${s.flows.register?.op.id ?? ''}) answered ${made.sent.response.status}; no scanner-owned accounts`);
      break;
    }
    const session = await logIn(ctx, made.account.login, made.account.password, made.account.username);
    const identity = session?.identity ?? await present(ctx, made.sent, made.account.login, made.account.password, made.account.username);
    if (identity !== undefined) rememberCredential(ctx, identity.value, made.account.username);
    if (identity === undefined) {
      s.failed = true;
      ctx.note(`accounts: registered "${made.account.username}" but found no credential the service accepts for it`);
      break;
    }
    s.owned.push({ ...made.account, identity });
  }
  return s.owned.slice(0, n);
}

const TOKEN_KEY = /^(access_?token|accessToken|token|auth_?token|authToken|jwt|id_?token|idToken|session|session_?(id|token|key)|sessionId|sid|api_?key|apiKey|bearer)$/i;
const JWT = /eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]*/;

/** The credential in a login answer: a token field, a JWT anywhere, an Authorization header, or a cookie. */
export function tokenIn(sent: Sent): { token?: string; cookie?: string } {
  const out: { token?: string; cookie?: string } = {};
  const walk = (v: unknown, depth: number): void => {
    if (out.token !== undefined || depth > 3 || v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'string' && x.length >= 8 && (TOKEN_KEY.test(k) || JWT.test(x))) { out.token = x.replace(/^Bearer\s+/i, ''); return; }
    }
    for (const x of Object.values(v as Record<string, unknown>)) walk(x, depth + 1);
  };
  walk(sent.response.json, 0);
  const loose = JWT.exec(sent.response.body)?.[0] ?? /^Bearer\s+(\S+)$/i.exec(sent.response.headers.authorization ?? '')?.[1];
  if (out.token === undefined && loose !== undefined) out.token = loose;
  const cookie = sent.response.headers['set-cookie']?.split(/,\s*(?=[^;=\s]+=)/)[0]?.split(';')[0];
  if (cookie !== undefined && cookie.includes('=')) out.cookie = cookie;
  return out;
}

/** Ways to present a credential: as the given identities do, as the spec's schemes say, then common defaults. */
function presentations(ctx: ScanContext, found: { token?: string; cookie?: string }, login: string, password: string, username: string): Identity[] {
  const out: Identity[] = [];
  const name = `account-${username}`;
  const add = (header: string, value: string): void => {
    if (!out.some((i) => i.header.toLowerCase() === header.toLowerCase() && i.value === value)) out.push({ name, header, value });
  };
  const { token, cookie } = found;
  if (token !== undefined) {
    for (const id of ctx.identities) {
      const scheme = /^(\S+)\s+\S+$/.exec(id.value)?.[1];
      if (id.header.toLowerCase() !== 'cookie') add(id.header, scheme === undefined ? token : `${scheme} ${token}`);
    }
  }
  const used = new Set(ctx.operations.filter(isSecured).flatMap((o) => o.security.flatMap((r) => Object.keys(r))));
  for (const [key, scheme] of Object.entries(ctx.spec.securitySchemes)) {
    if (used.size > 0 && !used.has(key)) continue;
    if (scheme.type === 'http' && /^basic$/i.test(scheme.scheme ?? '')) add('Authorization', `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`);
    if (token === undefined) continue;
    if ((scheme.type === 'http' && /^bearer$/i.test(scheme.scheme ?? '')) || scheme.type === 'oauth2' || scheme.type === 'openIdConnect') add('Authorization', `Bearer ${token}`);
    if (scheme.type === 'apiKey' && scheme.in === 'header' && scheme.name !== undefined) {
      if (/^authorization$/i.test(scheme.name)) add(scheme.name, `Bearer ${token}`);
      add(scheme.name, token);
    }
    if (scheme.type === 'apiKey' && scheme.in === 'cookie' && scheme.name !== undefined) add('Cookie', `${scheme.name}=${token}`);
  }
  if (cookie !== undefined) add('Cookie', cookie);
  if (token !== undefined) add('Authorization', `Bearer ${token}`);
  return out.slice(0, 4);
}

/** An operation on which a credential shows whether it works: the `me` read, else a secured GET the scan reached. */
export function probeOperation(ctx: ScanContext): Operation | undefined {
  const me = stateOf(ctx).flows.me;
  if (me !== undefined) return me;
  return ctx.operations.find((op) => op.method === 'GET' && !op.path.includes('{') && isSecured(op) && ctx.successes.has(op.id))
    ?? ctx.operations.find((op) => op.method === 'GET' && !op.path.includes('{') && ctx.successes.has(op.id));
}

async function present(ctx: ScanContext, sent: Sent, login: string, password: string, username = login): Promise<Identity | undefined> {
  const candidates = presentations(ctx, tokenIn(sent), login, password, username.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const probe = probeOperation(ctx);
  if (probe === undefined) return candidates[0];
  for (const identity of candidates) {
    const res = await sendOp(ctx, probe, sampleValues(ctx, probe)[0] as RequestValues, identity);
    if (ok(res.response.status)) return identity;
  }
  return undefined;
}

const USERNAME_CLAIMS = ['username', 'preferred_username', 'user_name', 'userName', 'user', 'login', 'name', 'nickname', 'sub'];
const ID_CLAIMS = ['user_id', 'userId', 'uid', 'id', 'sub'];

function pick(o: Record<string, unknown> | undefined, keys: readonly string[]): string | number | undefined {
  if (o === undefined) return undefined;
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '' || typeof v === 'number') return v;
  }
  return undefined;
}

/** The caller's own record in a `me` answer, which may be wrapped (`{ user: {...} }`, `{ data: {...} }`). */
export function meRecord(json: unknown): Record<string, unknown> | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  for (const k of ['user', 'data', 'result', 'account', 'profile']) {
    const inner = o[k];
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner) && Object.keys(o).length <= 4) return inner as Record<string, unknown>;
  }
  return o;
}

/** What an identity is called: from its token's claims, then from the `me` read. Cached per identity. */
export async function profileOf(ctx: ScanContext, identity: Identity): Promise<Profile> {
  const s = stateOf(ctx);
  const cached = s.profiles.get(`${identity.header}\u0000${identity.value}`);
  if (cached !== undefined) return cached;
  const claims = decodeJwt(identity.value)?.payload;
  let me: Record<string, unknown> | undefined;
  if (s.flows.me !== undefined) {
    const res = await sendOp(ctx, s.flows.me, sampleValues(ctx, s.flows.me)[0] as RequestValues, identity);
    if (ok(res.response.status)) me = meRecord(res.response.json);
  }
  const email = [pick(me, ['email', 'mail', 'emailAddress', 'email_address']), pick(claims, ['email'])].find((v) => typeof v === 'string' && v.includes('@'));
  const username = pick(me, USERNAME_CLAIMS.filter((k) => k !== 'sub')) ?? pick(claims, USERNAME_CLAIMS);
  const id = pick(me, ID_CLAIMS) ?? pick(claims, ID_CLAIMS);
  const profile: Profile = {
    ...(typeof username === 'string' ? { username } : {}), ...(typeof email === 'string' ? { email } : {}),
    ...(id === undefined ? {} : { id }), ...(me === undefined ? {} : { me }),
  };
  s.profiles.set(`${identity.header}\u0000${identity.value}`, profile);
  return profile;
}

/** The value of a path parameter naming this user (`{username}`, `{email}`, `{userId}`), if the profile has it. */
export function userKey(param: string, profile: Profile): string | number | undefined {
  if (/mail/i.test(param)) return profile.email;
  if (/id$/i.test(param) && !/^uid$/i.test(param)) return profile.id ?? profile.username;
  return profile.username ?? profile.email ?? profile.id;
}

/** Values with a path parameter that names a user set to the caller's own name, so the request reaches the handler. */
export async function asOwnUser(ctx: ScanContext, op: Operation, values: RequestValues, identity: Identity | undefined): Promise<RequestValues> {
  const param = userParam(op);
  if (param === undefined || identity === undefined) return values;
  const key = userKey(param, await profileOf(ctx, identity));
  return key === undefined ? values : { ...values, path: { ...values.path, [param]: key } };
}

/** A value a report must never show (a token the scan was issued, a password it chose), and what replaces it. */
export function rememberSecret(ctx: ScanContext, value: string, label: string): void {
  if (value.length >= 4) stateOf(ctx).secrets.set(value, label);
}

function rememberCredential(ctx: ScanContext, value: string, account: string): void {
  const label = `<credential of the scanner's account ${account}>`;
  rememberSecret(ctx, value, label);
  const bare = /^\S+\s+(\S+)$/.exec(value)?.[1] ?? /^[^=\s;]+=(.+)$/.exec(value)?.[1];
  if (bare !== undefined) rememberSecret(ctx, bare, label);
}

/** Everything the scan's own accounts and observed tokens add to what reports redact. */
export function scanSecrets(ctx: ScanContext): { value: string; label: string }[] {
  return [...(states.get(ctx)?.secrets ?? [])].map(([value, label]) => ({ value, label }));
}
