/**
 * Identities that log in (`--login`): the scan sends the login request, takes the token from the
 * answer, and sends it as a header; it logs in again before a JWT expires and after a 401 to the
 * current token, so a scan longer than a token's lifetime keeps testing as that user instead of
 * testing the login wall. Passwords and every token issued are kept for redaction.
 *
 *   --login 'user1=POST /api/login {"username":"alice","password":"pw"}'
 *   --login 'user2=POST /api/login @bob.json -> /data/jwt as Authorization:Bearer'
 *   --login 'web=POST /session username=carol&password=pw -> cookie:sid'
 */
import { readFileSync } from 'node:fs';
import { decodeJwt } from './auth.js';
import { ScanError } from './errors.js';
import type { Authenticator } from './http.js';
import type { Identity, ScanRequest, ScanResponse } from './types.js';

export type TokenSource =
  | { readonly kind: 'auto' }
  | { readonly kind: 'body'; readonly pointer: string }
  | { readonly kind: 'header'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string };

export interface LoginSpec {
  readonly name: string;
  readonly method: string;
  /** Path on the target's origin (the spec's base path is added when the path is an operation's). */
  readonly path: string;
  readonly body: string | undefined;
  readonly contentType: string | undefined;
  readonly source: TokenSource;
  /** Header the token goes in, and what precedes it (`Bearer `). Cookies go in `Cookie`. */
  readonly header: string;
  readonly prefix: string;
  /** Values of the login body that are credentials (passwords, keys), for redaction. */
  readonly secrets: readonly string[];
}

const USAGE = 'expected NAME=METHOD PATH [BODY|@FILE] [-> /json/pointer|header:NAME|cookie:NAME] [as Header[:Prefix]]';

/** The end of a JSON value at the start of `s` (strings and nesting respected), or -1. */
function jsonEnd(s: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if ((c === '}' || c === ']') && --depth === 0) return i + 1;
  }
  return -1;
}

const SECRET_KEY = /pass|secret|pin$|^pin|key|token|otp|credential|code/i;
const NOT_SECRET_KEY = /^(user(name)?|login|email|name|client_?id|grant_?type|scope)$/i;

/** Credential values in a login body: password-like fields, else every value but the user name. */
export function loginSecrets(body: string | undefined, contentType: string | undefined): string[] {
  if (body === undefined) return [];
  let pairs: [string, string][] = [];
  if (contentType !== undefined && /json/i.test(contentType)) {
    try {
      const walk = (v: unknown, key: string): void => {
        if (typeof v === 'string' || typeof v === 'number') pairs.push([key, String(v)]);
        else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
      };
      walk(JSON.parse(body), '');
    } catch {
      pairs = [];
    }
  } else {
    pairs = [...new URLSearchParams(body).entries()];
  }
  const secret = pairs.filter(([k]) => SECRET_KEY.test(k)).map(([, v]) => v);
  const values = secret.length > 0 ? secret : pairs.filter(([k]) => !NOT_SECRET_KEY.test(k)).map(([, v]) => v);
  return values.filter((v) => v.length >= 3);
}

export function parseLogin(spec: string, where = '--login'): LoginSpec {
  const fail = (why: string): never => { throw new ScanError('GH_SCAN_USAGE', `${where}: ${why}; ${USAGE}`); };
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq).trim();
  if (eq <= 0 || !/^[A-Za-z0-9_.-]+$/.test(name)) fail('missing or invalid identity name');
  const m = /^\s*([A-Za-z]+)\s+(\/\S*)\s*([\s\S]*)$/.exec(spec.slice(eq + 1));
  if (m === null) return fail('expected a method and a path starting with /');
  const method = (m[1] as string).toUpperCase();
  const path = m[2] as string;
  let rest = (m[3] as string).trim();
  let body: string | undefined;
  if (rest.startsWith('{') || rest.startsWith('[')) {
    const end = jsonEnd(rest);
    if (end < 0) fail('the JSON body is not closed');
    body = rest.slice(0, end);
    rest = rest.slice(end).trim();
  } else if (rest !== '' && !rest.startsWith('->') && !/^as\s/.test(rest)) {
    const token = /^\S+/.exec(rest)?.[0] as string;
    body = token;
    rest = rest.slice(token.length).trim();
  }
  if (body?.startsWith('@') === true) {
    try {
      body = readFileSync(body.slice(1), 'utf8').trim();
    } catch (error) {
      fail(`cannot read the body file ${body.slice(1)} (${(error as Error).message})`);
    }
  }
  const tail = /^(?:->\s*(\S+))?\s*(?:as\s+([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?::(.*))?)?\s*$/.exec(rest);
  if (tail === null) return fail(`cannot read "${rest.slice(0, 40)}"`);
  const from = tail[1];
  let source: TokenSource = { kind: 'auto' };
  if (from !== undefined) {
    if (from.startsWith('/') || from === '') source = { kind: 'body', pointer: from };
    else if (/^header:/i.test(from)) source = { kind: 'header', name: from.slice(7).toLowerCase() };
    else if (/^cookie:/i.test(from)) source = { kind: 'cookie', name: from.slice(7) };
    else fail(`the token source "${from}" is not a JSON pointer, header:NAME or cookie:NAME`);
  }
  const header = source.kind === 'cookie' ? 'Cookie' : tail[2] ?? 'Authorization';
  const prefix = tail[3] !== undefined ? `${tail[3].trim()} ` : header.toLowerCase() === 'authorization' && source.kind !== 'cookie' ? 'Bearer ' : '';
  const contentType = body === undefined ? undefined : /^[[{]/.test(body) ? 'application/json' : 'application/x-www-form-urlencoded';
  return { name, method, path, body, contentType, source, header, prefix: prefix === ' ' ? '' : prefix, secrets: loginSecrets(body, contentType) };
}

/** Member names that hold a token in login answers (OAuth 2 token responses, common APIs). */
const TOKEN_KEYS = ['access_token', 'accessToken', 'token', 'jwt', 'id_token', 'idToken', 'auth_token', 'authToken', 'sessionToken', 'session_token', 'apiKey', 'api_key', 'key'];

function atPointer(json: unknown, pointer: string): unknown {
  let v = json;
  for (const raw of pointer.split('/').slice(1)) {
    const k = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

function findToken(json: unknown, depth = 0): string | undefined {
  if (json === null || typeof json !== 'object' || depth > 3) return undefined;
  const o = json as Record<string, unknown>;
  for (const k of TOKEN_KEYS) if (typeof o[k] === 'string' && o[k] !== '') return o[k];
  for (const v of Object.values(o)) {
    const found = findToken(v, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function cookieOf(res: ScanResponse, name: string | undefined): { name: string; value: string } | undefined {
  const raw = res.headers['set-cookie'];
  if (raw === undefined) return undefined;
  // Set-Cookie values are joined with ", " by the client; an Expires date holds a comma too.
  for (const part of raw.split(/,\s*(?=[^;=\s]+=)/)) {
    const m = /^\s*([^=;\s]+)=([^;]*)/.exec(part);
    if (m !== null && (name === undefined || m[1] === name) && m[2] !== '') return { name: m[1] as string, value: m[2] as string };
  }
  return undefined;
}

/** The credential header value a login answer gives (`cookie`: it goes in Cookie), or a reason it gives none. */
export function credentialFrom(spec: LoginSpec, res: ScanResponse): { value: string; cookie?: boolean } | { error: string } {
  if (res.status < 200 || res.status >= 300) return { error: `answered ${res.status === 0 ? res.errorMessage ?? res.error ?? 'nothing' : res.status}` };
  const source = spec.source;
  if (source.kind === 'header') {
    const v = res.headers[source.name];
    return v === undefined || v === '' ? { error: `answered without a ${source.name} header` } : { value: `${spec.prefix}${v.replace(/^Bearer\s+/i, '')}` };
  }
  if (source.kind === 'cookie') {
    const c = cookieOf(res, source.name);
    return c === undefined ? { error: `set no ${source.name} cookie` } : { value: `${c.name}=${c.value}`, cookie: true };
  }
  const token = source.kind === 'body' ? atPointer(res.json, source.pointer) : findToken(res.json);
  if (typeof token === 'string' && token !== '') return { value: `${spec.prefix}${token}` };
  if (source.kind === 'body') return { error: `has no string at ${source.pointer} in its body` };
  const cookie = cookieOf(res, undefined);
  // No token in the body but a session cookie: a cookie session, sent back in Cookie.
  if (cookie !== undefined) return { value: `${cookie.name}=${cookie.value}`, cookie: true };
  return { error: 'has no token in its body (name one with -> /pointer, header:NAME or cookie:NAME)' };
}

/** An identity whose credential the login flow keeps fresh; `value` is always the current one. */
export class LoginIdentity implements Identity {
  private current = '';
  private expiresAt: number | undefined;
  private header_: string;
  private at = 0;
  /** Every credential this identity has been given, for redaction and to recognise old ones. */
  readonly issued = new Set<string>();
  /** Credentials a secured operation answered with something else than 401. */
  readonly worked = new Set<string>();
  logins = 0;

  constructor(readonly spec: LoginSpec) {
    this.header_ = spec.header;
  }

  get name(): string { return this.spec.name; }
  get header(): string { return this.header_; }
  get value(): string { return this.current; }
  get lastLogin(): number { return this.at; }

  /** True before the first login, and when a JWT is within 30 s (or a fifth of its lifetime) of expiring. */
  due(nowMs: number): boolean {
    return this.current === '' || (this.expiresAt !== undefined && nowMs >= this.expiresAt);
  }

  accept(value: string, nowMs: number, cookie = false): void {
    if (cookie) this.header_ = 'Cookie';
    this.current = value;
    this.issued.add(value);
    this.at = nowMs;
    this.logins++;
    const exp = decodeJwt(value)?.payload.exp;
    const iat = decodeJwt(value)?.payload.iat;
    if (typeof exp === 'number') {
      const lifetime = typeof iat === 'number' && exp > iat ? exp - iat : 3600;
      this.expiresAt = (exp - Math.min(30, lifetime / 5)) * 1000;
    } else {
      this.expiresAt = undefined;
    }
  }
}

/** The login request as the client sends it. */
export function loginRequest(spec: LoginSpec, path: string): ScanRequest {
  return {
    method: spec.method, path,
    headers: { accept: 'application/json, */*;q=0.5', ...(spec.contentType === undefined ? {} : { 'content-type': spec.contentType }) },
    ...(spec.body === undefined ? {} : { body: spec.body }),
  };
}

/** Re-logins after a 401 stop here: a service that refuses every fresh token is not fixed by more. */
const MAX_RENEWALS = 200;

/**
 * Logs the identities in, and keeps them logged in: before a JWT expires, and after a 401 on a
 * secured operation to a credential that had worked before (a credential refused from the start
 * is the operation refusing the user, not an expiry). Only a request carrying one of the
 * identity's own credentials is touched: forged and removed credentials go out as they are.
 */
export class LoginManager implements Authenticator {
  private readonly pending = new Map<string, Promise<string | undefined>>();
  private renewals = 0;

  constructor(
    readonly identities: readonly LoginIdentity[],
    private readonly send: (req: ScanRequest, spec: LoginSpec) => Promise<ScanResponse>,
    private readonly pathOf: (spec: LoginSpec) => string,
    private readonly note: (message: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs every identity in; a login that fails stops the scan before anything is attacked. */
  async loginAll(): Promise<void> {
    for (const id of this.identities) {
      const error = await this.login(id);
      if (error !== undefined) {
        throw new ScanError('GH_SCAN_CREDENTIALS_REFUSED', `the login of identity "${id.name}" (${id.spec.method} ${this.pathOf(id.spec)}) failed: it ${error}. Check --login; nothing was attacked.`);
      }
    }
  }

  /** Everything a report must never show: login secrets and every credential issued. */
  secrets(): string[] {
    return this.identities.flatMap((id) => [...id.spec.secrets, ...id.issued]);
  }

  async prepare(req: ScanRequest): Promise<ScanRequest> {
    const id = this.own(req);
    if (id === undefined) return req;
    if (id.due(this.now())) await this.relogin(id);
    return this.withCurrent(req, id);
  }

  async renew(req: ScanRequest, res: ScanResponse): Promise<ScanRequest | undefined> {
    const id = this.own(req);
    if (id === undefined || res.status !== 401) return undefined;
    const used = req.headers[id.header.toLowerCase()];
    if (used !== id.value) return this.withCurrent(req, id);
    if (used === undefined || !id.worked.has(used) || this.renewals >= MAX_RENEWALS) return undefined;
    this.renewals++;
    await this.relogin(id);
    return id.value === used ? undefined : this.withCurrent(req, id);
  }

  settle(req: ScanRequest, res: ScanResponse): void {
    const id = this.own(req);
    const used = id === undefined ? undefined : req.headers[id.header.toLowerCase()];
    if (id !== undefined && used !== undefined && res.status !== 401) id.worked.add(used);
  }

  /** The login identity whose credential (current or earlier) the request carries. */
  private own(req: ScanRequest): LoginIdentity | undefined {
    const id = this.identities.find((i) => i.name === req.identity);
    if (id === undefined) return undefined;
    const value = req.headers[id.header.toLowerCase()];
    return value !== undefined && id.issued.has(value) ? id : undefined;
  }

  private withCurrent(req: ScanRequest, id: LoginIdentity): ScanRequest {
    return { ...req, headers: { ...req.headers, [id.header.toLowerCase()]: id.value } };
  }

  private async relogin(id: LoginIdentity): Promise<void> {
    const error = await this.login(id);
    if (error !== undefined) this.note(`login of "${id.name}" failed mid-scan (it ${error}); its earlier credential was kept`);
  }

  /** One login at a time per identity: concurrent requests share it. Returns an error or undefined. */
  private login(id: LoginIdentity): Promise<string | undefined> {
    const running = this.pending.get(id.name);
    if (running !== undefined) return running;
    const run = (async () => {
      const res = await this.send(loginRequest(id.spec, this.pathOf(id.spec)), id.spec);
      const got = credentialFrom(id.spec, res);
      if ('error' in got) return got.error;
      id.accept(got.value, this.now(), got.cookie === true);
      return undefined;
    })();
    this.pending.set(id.name, run);
    const clear = (): void => { this.pending.delete(id.name); };
    run.then(clear, clear);
    return run;
  }
}
