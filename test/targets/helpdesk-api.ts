/**
 * A second deliberately vulnerable service for testing `gatehouse scan`, in another style than
 * vulnerable-api.ts: a Swagger 2.0 spec without operationIds (helpdesk-api.yaml), form, XML and
 * multipart bodies, an apiKey-style `Authorization` header carrying HS256 JWTs from a login
 * endpoint, usernames in paths. Each planted flaw has a name; `flaws: 'none'` is the fixed twin
 * (same spec, every flaw fixed). Loopback only; reads of local files happen only where a planted
 * flaw asks for them, as the real bug would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { handleHelpdesk, seedUsers, type HelpdeskState } from './helpdesk-handlers.js';

export const HELPDESK_FLAWS = [
  'weak-jwt-secret', // tokens are HS256-signed with "helpdesk_secret", a variant of the API's name
  'jwt-expiry', // the token's exp is never checked
  'stats-unverified', // GET /stats (declared without security) reads the token without verifying it
  'preview-bola', // GET /tickets/{id}/preview (declared without security, yet needs a login) shows anyone's ticket
  'enum-login', // login says "no such user" (404) or "wrong password" (401)
  'enum-reset', // forgot-password does slow work (mail) only for registered addresses
  'enum-register', // registration answers 409 "username already taken"
  'mass-assignment', // registration stores every form field (role, verified, credits)
  'bola-write', // PATCH and DELETE /tickets/{id} work on anyone's ticket
  'account-takeover', // PUT /users/{username}/email and /password work on any user
  'redos', // email and tag validated by backtracking-prone regular expressions
  'ssti', // the ticket preview evaluates {{ a * b }} in ticket text
  'traversal', // GET /help/articles?file= joins the name onto the articles directory unchecked
  'open-redirect', // GET /logout?next= redirects anywhere
  'xxe', // XML bodies and XML uploads have their DTD entities expanded, SYSTEM files included
  'crash', // a priority outside 1..5 crashes the handler: the connection drops with no answer
  'destructive-get', // GET /admin/reset wipes tickets and accounts for any logged-in user
] as const;
export type HelpdeskFlaw = (typeof HELPDESK_FLAWS)[number];

export const HELPDESK_SPEC = new URL('./helpdesk-api.yaml', import.meta.url).pathname;
export const WEAK_SECRET = 'helpdesk_secret';
export const SEED_PASSWORDS = { alice: 'alice-password-1', bob: 'bob-password-2', carol: 'carol-password-3' } as const;

export interface Helpdesk {
  readonly url: string;
  readonly server: Server;
  /** Requests the service answered, by "METHOD /path" (query left out). */
  readonly requests: Map<string, number>;
  /** Logs in through the service's own endpoint and returns the bearer token. */
  login(user: keyof typeof SEED_PASSWORDS): Promise<string>;
  /** A token signed with the service's secret, expiring at `exp` (seconds). */
  token(user: keyof typeof SEED_PASSWORDS, exp: number): Promise<string>;
  close(): Promise<void>;
}

export async function startHelpdesk(options: { flaws: 'all' | 'none' | readonly HelpdeskFlaw[] }): Promise<Helpdesk> {
  const flaws = new Set<HelpdeskFlaw>(options.flaws === 'all' ? HELPDESK_FLAWS : options.flaws === 'none' ? [] : options.flaws);
  const articles = mkdtempSync(join(tmpdir(), 'helpdesk-articles-'));
  writeFileSync(join(articles, 'getting-started.txt'), 'Open a ticket with POST /tickets; we answer within a day.\n');
  writeFileSync(join(articles, 'billing.txt'), 'Invoices are sent on the first of the month.\n');
  const secret = new TextEncoder().encode(flaws.has('weak-jwt-secret') ? WEAK_SECRET : randomBytes(32).toString('base64'));
  const state: HelpdeskState = {
    flaws, secret, articles, users: new Map(), tickets: new Map(), nextUser: 1, nextTicket: 100, buckets: new Map(),
  };
  seedUsers(state);
  const requests = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const key = `${req.method ?? ''} ${(req.url ?? '').split('?')[0] ?? ''}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    handleHelpdesk(req, res, state).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}');
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sign = (user: keyof typeof SEED_PASSWORDS, exp: number): Promise<string> => {
    const u = [...state.users.values()].find((x) => x.username === user);
    return new SignJWT({ name: user, role: u?.role ?? 'user' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(String(u?.id ?? 0)).setIssuedAt(exp - 900).setExpirationTime(exp).sign(secret);
  };
  return {
    url, server, requests,
    async login(user) {
      const res = await fetch(`${url}/helpdesk/auth/login`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: user, password: SEED_PASSWORDS[user] }).toString(),
      });
      const body = await res.json() as { access_token?: string };
      if (body.access_token === undefined) throw new Error(`helpdesk login for ${user} failed: ${res.status}`);
      return body.access_token;
    },
    token: sign,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => { rmSync(articles, { recursive: true, force: true }); resolve(); });
    }),
  };
}
