/** The helpdesk target's plumbing and its account routes; each flaw is guarded by `flaw(...)`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { compactVerify, decodeJwt, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { HelpdeskFlaw } from './helpdesk-api.js';
import { BadInput, parseMultipart, parseXml, type MultipartPart, type XmlElement } from './helpdesk-parsers.js';
import { handleTickets } from './helpdesk-tickets.js';

export interface User {
  id: number; username: string; password: string; email: string; display_name: string; role: string; verified: boolean; credits: number;
  readonly seeded: boolean; [extra: string]: unknown;
}
export interface Ticket { readonly id: number; readonly owner: number; subject: string; body: string; status: string; priority: number; tag: string }

export interface HelpdeskState {
  readonly flaws: Set<HelpdeskFlaw>;
  readonly secret: Uint8Array;
  readonly articles: string;
  readonly users: Map<number, User>;
  readonly tickets: Map<number, Ticket>;
  nextUser: number;
  nextTicket: number;
  readonly buckets: Map<string, { tokens: number; at: number }>;
}

export interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly s: HelpdeskState;
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  flaw(f: HelpdeskFlaw): boolean;
}

export type Fields = Record<string, string>;

// Planted (redos): in the domain, nested quantifiers over overlapping classes backtrack
// exponentially on "a@aaaa…!" (addresses without an "@", such as a fuzzer's overlong strings, fail fast).
export const BACKTRACKING_EMAIL = /^[^\s@]+@([a-z0-9]+[.-]?)+\.[a-z]{2,24}$/;
export const LINEAR_EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
}
export const fail = (res: ServerResponse, status: number, error: string): void => send(res, status, { error });

export function seedUsers(s: HelpdeskState): void {
  for (const [username, password, role] of [['alice', 'alice-password-1', 'user'], ['bob', 'bob-password-2', 'user'], ['carol', 'carol-password-3', 'admin']] as const) {
    const id = s.nextUser++;
    s.users.set(id, { id, username, password, email: `${username}@tidewater.example`, display_name: username, role, verified: true, credits: 10, seeded: true });
  }
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) throw new BadInput('body too large');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Form fields from a urlencoded, JSON or multipart body (the last value of a repeated field wins). */
export async function readFields(req: IncomingMessage): Promise<{ fields: Fields; files: MultipartPart[] }> {
  const raw = await readBody(req);
  const type = req.headers['content-type'] ?? '';
  if (/multipart\/form-data/i.test(type)) {
    const parts = parseMultipart(raw, type);
    const fields: Fields = {};
    for (const p of parts) if (p.filename === undefined) fields[p.name] = p.data.toString('utf8');
    return { fields, files: parts.filter((p) => p.filename !== undefined) };
  }
  if (/json/i.test(type)) {
    let v: unknown;
    try { v = JSON.parse(raw.toString('utf8')); } catch { throw new BadInput('malformed JSON'); }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new BadInput('expected an object');
    return { fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)])), files: [] };
  }
  return { fields: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: [] };
}

export async function readXml(r: Request): Promise<XmlElement> {
  return parseXml((await readBody(r.req)).toString('utf8'), r.flaw('xxe'));
}

const bearer = (req: IncomingMessage): string | undefined => /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];

/** The caller, from a verified token (the expiry check is the `jwt-expiry` flaw's to skip). */
export async function caller(r: Request, verify = true): Promise<User | undefined> {
  const token = bearer(r.req);
  if (token === undefined) return undefined;
  let claims: JWTPayload;
  try {
    if (!verify) claims = decodeJwt(token); // Planted (stats-unverified): read, never verified.
    else if (r.flaw('jwt-expiry')) claims = JSON.parse(new TextDecoder().decode((await compactVerify(token, r.s.secret, { algorithms: ['HS256'] })).payload)) as JWTPayload;
    else claims = (await jwtVerify(token, r.s.secret, { algorithms: ['HS256'] })).payload;
  } catch {
    return undefined;
  }
  return r.s.users.get(Number(claims.sub));
}

export function publicAccount(u: User, r: Request): Record<string, unknown> {
  if (r.flaw('mass-assignment')) {
    const { password: _p, seeded: _s, ...rest } = u;
    return rest;
  }
  return { id: u.id, username: u.username, email: u.email, display_name: u.display_name, role: u.role, verified: u.verified, credits: u.credits };
}

/** The fixed twin's limiter (both twins have it): bursts of 20 per address, refilled at 100/s. */
function limited(r: Request): boolean {
  const key = r.req.socket.remoteAddress ?? '';
  const now = Date.now();
  const b = r.s.buckets.get(key) ?? { tokens: 20, at: now };
  b.tokens = Math.min(20, b.tokens + ((now - b.at) * 100) / 1000);
  b.at = now;
  r.s.buckets.set(key, b);
  if (b.tokens < 1) return true;
  b.tokens -= 1;
  return false;
}

function validEmail(r: Request, email: string | undefined): email is string {
  return email !== undefined && email.length <= 254 && (r.flaw('redos') ? BACKTRACKING_EMAIL : LINEAR_EMAIL).test(email);
}

const coerce = (v: string): unknown => (v === 'true' ? true : v === 'false' ? false : /^-?\d{1,12}$/.test(v) ? Number(v) : v);

async function accounts(r: Request): Promise<boolean> {
  const { res, s, method, path } = r;
  const route = `${method} ${path}`;
  const byName = (name: string | undefined): User | undefined => [...s.users.values()].find((u) => u.username === name);
  if (route === 'POST /auth/register') {
    const { fields } = await readFields(r.req);
    const { username, password, email } = fields;
    if (username === undefined || !/^[A-Za-z0-9_.-]{3,32}$/.test(username) || password === undefined || password.length < 8 || password.length > 72) { fail(res, 400, 'invalid input'); return true; }
    if (!validEmail(r, email)) { fail(res, 400, 'invalid email address'); return true; }
    const pending = { status: 'check your email to finish registering' };
    if (byName(username) !== undefined) {
      if (r.flaw('enum-register')) fail(res, 409, 'username already taken');
      else send(res, 202, pending);
      return true;
    }
    const id = s.nextUser++;
    const user: User = { id, username, password, email, display_name: username, role: 'user', verified: false, credits: 0, seeded: false };
    if (r.flaw('mass-assignment')) {
      // Planted: every other form field lands on the record, typed the way a naive ORM would.
      for (const [k, v] of Object.entries(fields)) if (!['id', 'username', 'password', 'email', 'seeded'].includes(k)) user[k] = coerce(v);
    }
    s.users.set(id, user);
    if (r.flaw('enum-register')) send(res, 201, publicAccount(user, r));
    else send(res, 202, pending);
    return true;
  }
  if (route === 'POST /auth/login') {
    const { fields } = await readFields(r.req);
    if (fields.username === undefined || fields.password === undefined || fields.username === '') { fail(res, 400, 'invalid input'); return true; }
    const user = byName(fields.username);
    if (user === undefined || user.password !== fields.password) {
      if (!r.flaw('enum-login')) fail(res, 401, 'invalid username or password');
      else if (user === undefined) fail(res, 404, `no such user: ${fields.username}`);
      else fail(res, 401, 'wrong password');
      return true;
    }
    const token = await new SignJWT({ name: user.username, role: user.role }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(user.id)).setIssuedAt().setExpirationTime('15m').sign(s.secret);
    send(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 900 });
    return true;
  }
  if (route === 'POST /auth/forgot-password') {
    const { fields } = await readFields(r.req);
    if (fields.email === undefined || fields.email === '') { fail(res, 400, 'invalid input'); return true; }
    const known = [...s.users.values()].some((u) => u.email === fields.email);
    // Planted (enum-reset): the mail is sent before answering, so registered addresses answer later.
    if (known && r.flaw('enum-reset')) await sleep(120);
    send(res, 202, { status: 'if the address is registered, a reset link is on its way' });
    return true;
  }
  if (route === 'GET /stats') {
    const me = await caller(r, !r.flaw('stats-unverified'));
    if (me === undefined) { fail(res, 401, 'not logged in'); return true; }
    const mine = [...s.tickets.values()].filter((t) => t.owner === me.id);
    send(res, 200, { open: mine.filter((t) => t.status === 'open').length, closed: mine.filter((t) => t.status === 'closed').length });
    return true;
  }
  const me = await caller(r);
  if (me === undefined) return false;
  if (route === 'GET /account') { send(res, 200, publicAccount(me, r)); return true; }
  if (route === 'PATCH /account') {
    const { fields } = await readFields(r.req);
    if (fields.display_name !== undefined && fields.display_name.length > 60) { fail(res, 400, 'invalid input'); return true; }
    if (fields.display_name !== undefined) me.display_name = fields.display_name;
    send(res, 200, publicAccount(me, r));
    return true;
  }
  const m = /^(PUT) \/users\/([^/]+)\/(email|password)$/.exec(route);
  if (m === null) return false;
  const { fields } = await readFields(r.req);
  const what = m[3] as 'email' | 'password';
  if (what === 'email' && !validEmail(r, fields.email)) { fail(res, 400, 'invalid email address'); return true; }
  if (what === 'password' && (fields.password === undefined || fields.password.length < 8 || fields.password.length > 72)) { fail(res, 400, 'invalid password'); return true; }
  const target = byName(decodeURIComponent(m[2] as string));
  if (target === undefined) { fail(res, 404, 'no such user'); return true; }
  // Planted (account-takeover): whose account it is is never compared with the caller.
  if (!r.flaw('account-takeover') && target.id !== me.id) { fail(res, 403, 'not your account'); return true; }
  if (what === 'email') { target.email = fields.email as string; send(res, 200, publicAccount(target, r)); return true; }
  target.password = fields.password as string;
  res.writeHead(204).end();
  return true;
}

export async function handleHelpdesk(req: IncomingMessage, res: ServerResponse, s: HelpdeskState): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://helpdesk');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('cache-control', 'no-store');
  const r: Request = { req, res, s, method: req.method ?? 'GET', path: url.pathname.replace(/^\/helpdesk(?=\/)/, ''), query: url.searchParams, flaw: (f) => s.flaws.has(f) };
  if (limited(r)) {
    res.setHeader('retry-after', '1');
    return fail(res, 429, 'slow down');
  }
  if (!url.pathname.startsWith('/helpdesk/')) return fail(res, 404, 'not found');
  try {
    if (await accounts(r)) return;
    if (await handleTickets(r)) return;
  } catch (error) {
    if (error instanceof BadInput) return fail(res, 400, error.message);
    throw error;
  }
  if (res.headersSent) return;
  if (await caller(r) === undefined && !['/help/articles', '/logout'].includes(r.path)) {
    res.setHeader('www-authenticate', 'Bearer');
    return fail(res, 401, 'not logged in');
  }
  fail(res, 404, 'not found');
}
