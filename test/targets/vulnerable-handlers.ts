/** The routes of the vulnerable test target; each flaw is guarded by `flaw(...)`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from 'better-sqlite3';
import { SignJWT, decodeJwt, decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import type { Flaw } from './vulnerable-api.js';

interface User { id: string; username: string; email: string; displayName: string; role: string; password: string; passwordHash: string; [k: string]: unknown }
interface Order { id: number; owner: string; productId: number; quantity: number }
interface Note { id: number; owner: string; text: string }

export interface State {
  readonly flaws: Set<Flaw>;
  readonly db: Database;
  readonly secret: Uint8Array;
  readonly audience: string;
  readonly users: Map<string, User>;
  readonly orders: Map<number, Order>;
  readonly notes: Map<number, Note | undefined>;
  nextId: number;
  readonly buckets: Map<string, { tokens: number; at: number }>;
}

type Json = Record<string, unknown>;

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type }).end(text);
}
const problem = (res: ServerResponse, status: number, title: string): void => send(res, status, { title, status }, 'application/problem+json');
const isInt = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
const isStr = (v: unknown, min: number, max: number): v is string => typeof v === 'string' && v.length >= min && v.length <= max;
const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req: IncomingMessage): Promise<Json | undefined> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Json : undefined;
  } catch {
    return undefined;
  }
}

async function authenticate(req: IncomingMessage, s: State): Promise<JWTPayload | undefined> {
  const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  if (m === null) return undefined;
  const token = m[1] as string;
  try {
    // Planted: an unsigned token is believed as it is.
    if (s.flaws.has('alg-none') && decodeProtectedHeader(token).alg === 'none') return decodeJwt(token);
    return (await jwtVerify(token, s.secret, { audience: s.audience, algorithms: ['HS256'] })).payload;
  } catch {
    return undefined;
  }
}

function publicUser(u: User, s: State): Json {
  if (s.flaws.has('mass-assignment') || s.flaws.has('exposure')) {
    const { password: _p, passwordHash, ...rest } = u;
    return s.flaws.has('exposure') ? { ...rest, passwordHash } : rest;
  }
  return { id: u.id, username: u.username, email: u.email, displayName: u.displayName, role: u.role };
}

/**
 * The fixed twin's limiter: a token bucket per client address, bursts of 20 refilled at 100
 * requests per second. A scan paced below 100/s never meets it; a burst of 60 does.
 */
function rateLimited(req: IncomingMessage, s: State): boolean {
  const key = req.socket.remoteAddress ?? '';
  const now = Date.now();
  const bucket = s.buckets.get(key) ?? { tokens: 20, at: now };
  bucket.tokens = Math.min(20, bucket.tokens + ((now - bucket.at) * 100) / 1000);
  bucket.at = now;
  s.buckets.set(key, bucket);
  if (bucket.tokens < 1) return true;
  bucket.tokens -= 1;
  return false;
}

export async function handle(req: IncomingMessage, res: ServerResponse, s: State): Promise<void> {
  const flaw = (f: Flaw): boolean => s.flaws.has(f);
  const url = new URL(req.url ?? '/', 'http://target');
  const method = req.method ?? 'GET';
  if (flaw('misconfig')) {
    res.setHeader('x-powered-by', 'Express 4.16.0');
    if (req.headers.origin !== undefined) {
      res.setHeader('access-control-allow-origin', req.headers.origin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
  } else {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
  }
  if (method === 'TRACE') {
    if (!flaw('misconfig')) return problem(res, 405, 'Method Not Allowed');
    return send(res, 200, `TRACE ${req.url ?? ''} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}`, 'message/http');
  }
  if (!flaw('rate-limit') && rateLimited(req, s)) {
    res.setHeader('retry-after', '1');
    return problem(res, 429, 'Too Many Requests');
  }
  if (flaw('inventory') && (url.pathname === '/debug' || url.pathname === '/api/v1/products')) {
    return send(res, 200, url.pathname === '/debug' ? { env: { NODE_ENV: 'development', DB: 'sqlite::memory:' } } : { items: [{ id: 1, name: 'Fountain pen', price: 25, cost: 11 }] });
  }
  if (!url.pathname.startsWith('/api/v2/')) return problem(res, 404, 'Not Found');
  const path = url.pathname.slice('/api/v2'.length);
  const segments = path.split('/');
  const last = segments[segments.length - 1] ?? '';
  const named = ['products', 'login', 'greeting', 'me', 'orders', 'notes', 'ping', 'webhooks', 'users'];
  const template = segments.length > 2 && !named.includes(last) ? `${segments.slice(0, -1).join('/')}/{id}` : path;
  const route = `${method} ${template}`;
  const id = /^\d{1,15}$/.test(last) ? Number(last) : NaN;
  if (template.endsWith('/{id}') && !isInt(id, 1)) return problem(res, 400, 'Invalid id');

  // Public operations.
  if (route === 'GET /products') {
    const search = url.searchParams.get('search') ?? '';
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? 10 : Number(limitText);
    if (!isInt(limit, 1, flaw('rate-limit') ? Number.MAX_SAFE_INTEGER : 50) || search.length > 50) return problem(res, 400, 'Invalid query');
    const rows = (flaw('sqli')
      ? s.db.prepare(`SELECT id, name, price FROM products WHERE name LIKE '%${search}%' ORDER BY id LIMIT ${limit}`).all()
      : s.db.prepare('SELECT id, name, price FROM products WHERE name LIKE ? ORDER BY id LIMIT ?').all(`%${search}%`, limit)) as { id: number; name: string; price: number }[];
    return send(res, 200, { items: rows.map((r) => ({ ...r, price: flaw('response-schema') ? String(r.price) : r.price })) });
  }
  if (route === 'GET /products/{id}') {
    const row = s.db.prepare('SELECT id, name, price FROM products WHERE id = ?').get(id);
    return row === undefined ? problem(res, 404, 'Not Found') : send(res, 200, row);
  }
  if (route === 'POST /login') {
    const body = await readBody(req);
    if (body === undefined) return problem(res, 400, 'Invalid body');
    const matches = (actual: string, wanted: unknown): boolean => {
      if (flaw('nosqli') && wanted !== null && typeof wanted === 'object') {
        const ops = wanted as Json; // Planted: a Mongo-style matcher fed straight from the body.
        if ('$ne' in ops) return actual !== ops.$ne;
        if ('$gt' in ops) return actual > String(ops.$gt);
        return false;
      }
      return actual === wanted;
    };
    if (!flaw('nosqli') && (!isStr(body.username, 1, 50) || !isStr(body.password, 1, 100))) return problem(res, 400, 'Invalid body');
    const user = [...s.users.values()].find((u) => matches(u.username, body.username) && matches(u.password, body.password));
    if (user === undefined) return problem(res, 401, 'Invalid credentials');
    const token = await new SignJWT({ role: user.role }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setAudience(s.audience).setExpirationTime('1h').sign(s.secret);
    return send(res, 200, { token });
  }
  if (route === 'GET /greeting') {
    const name = url.searchParams.get('name');
    if (name === null || name.length > 100) return problem(res, 400, 'Invalid name');
    return send(res, 200, `<!doctype html><p>Hello ${flaw('xss') ? name : escapeHtml(name)}</p>`, 'text/html; charset=utf-8');
  }

  const claims = await authenticate(req, s);
  const me = claims?.sub === undefined ? undefined : s.users.get(claims.sub);
  if (claims === undefined || me === undefined) {
    res.setHeader('www-authenticate', 'Bearer');
    return problem(res, 401, 'Unauthorized');
  }
  switch (route) {
    case 'POST /products': {
      const body = await readBody(req);
      if (body === undefined || !isStr(body.name, 1, 100) || typeof body.price !== 'number' || body.price < 0 || body.price > 10_000) return problem(res, 400, 'Invalid product');
      // Planted: a fixed-size buffer nobody resized when the limit went from 40 to 100.
      if (flaw('fuzz-crash') && body.name.length > 40) throw new RangeError(`name buffer overflow at offset ${body.name.length}`);
      const info = s.db.prepare('INSERT INTO products (name, price) VALUES (?, ?)').run(body.name, body.price);
      return send(res, 201, { id: Number(info.lastInsertRowid), name: body.name, price: body.price });
    }
    case 'GET /users/me': return send(res, 200, publicUser(me, s));
    case 'PATCH /users/me': {
      const body = await readBody(req);
      if (body === undefined) return problem(res, 400, 'Invalid body');
      if (flaw('mass-assignment')) {
        const { password: _p, passwordHash: _h, id: _i, ...rest } = body; // Planted: every other property is merged.
        Object.assign(me, rest);
      } else {
        if ((body.email !== undefined && (!isStr(body.email, 3, 100) || !body.email.includes('@'))) || (body.displayName !== undefined && !isStr(body.displayName, 0, 50))) return problem(res, 400, 'Invalid body');
        if (typeof body.email === 'string') me.email = body.email;
        if (typeof body.displayName === 'string') me.displayName = body.displayName;
      }
      return send(res, 200, publicUser(me, s));
    }
    case 'GET /orders': return send(res, 200, [...s.orders.values()].filter((o) => o.owner === me.id).map(({ owner: _o, ...o }) => o));
    case 'POST /orders': {
      const body = await readBody(req);
      if (body === undefined || !isInt(body.productId, 1) || !isInt(body.quantity, 1, 10)) return problem(res, 400, 'Invalid order');
      const order = { id: s.nextId++, owner: me.id, productId: body.productId, quantity: body.quantity };
      s.orders.set(order.id, order);
      return send(res, 201, { id: order.id, productId: order.productId, quantity: order.quantity });
    }
    case 'GET /orders/{id}': {
      const order = s.orders.get(id);
      // Planted (bola): the owner is never compared with the caller.
      if (order === undefined || (!flaw('bola') && order.owner !== me.id)) return problem(res, 404, 'Not Found');
      return send(res, 200, { id: order.id, productId: order.productId, quantity: order.quantity });
    }
    case 'POST /notes': {
      const body = await readBody(req);
      if (body === undefined || !isStr(body.text, 1, 200)) return problem(res, 400, 'Invalid note');
      const note = { id: s.nextId++, owner: me.id, text: body.text };
      s.notes.set(note.id, note);
      return send(res, 201, { id: note.id, text: note.text });
    }
    case 'GET /notes/{id}': case 'PUT /notes/{id}': case 'DELETE /notes/{id}': {
      // Planted (stateful): a deleted note leaves an empty slot that reads trip over.
      const note = s.notes.get(id);
      if (flaw('stateful') && s.notes.has(id) && note === undefined) return send(res, 200, { id, text: (note as unknown as Note).text });
      if (note === undefined || note.owner !== me.id) return problem(res, 404, 'Not Found');
      if (method === 'GET') return send(res, 200, { id: note.id, text: note.text });
      if (method === 'DELETE') {
        if (flaw('stateful')) s.notes.set(id, undefined);
        else s.notes.delete(id);
        res.writeHead(204).end();
        return;
      }
      const body = await readBody(req);
      if (body === undefined || !isStr(body.text, 1, 200)) return problem(res, 400, 'Invalid note');
      note.text = body.text;
      return send(res, 200, { id: note.id, text: note.text });
    }
    case 'POST /tools/ping': {
      const body = await readBody(req);
      if (body === undefined || !isStr(body.host, 1, 100)) return problem(res, 400, 'Invalid host');
      if (!flaw('command') && !/^[A-Za-z0-9.-]+$/.test(body.host)) return problem(res, 400, 'Invalid host');
      // Planted (command): a simulated `sh -c "ping -c1 " + host`; the only command it runs is sleep.
      const m = /(?:;|\||&&|\$\(|`)\s*sleep\s+(\d+)/.exec(body.host);
      if (flaw('command') && m !== null) await sleep(Math.min(Number(m[1]), 5) * 1000);
      return send(res, 200, { output: `PING ${body.host}: 1 packets transmitted, 1 received` });
    }
    case 'POST /webhooks': {
      const body = await readBody(req);
      if (body === undefined || !isStr(body.url, 1, 200)) return problem(res, 400, 'Invalid url');
      let target: URL;
      try { target = new URL(body.url); } catch { return problem(res, 400, 'Invalid url'); }
      let verified = false;
      if (flaw('ssrf')) {
        // Planted: the "test delivery" goes wherever the client says, loopback included.
        verified = await fetch(target, { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      } else if (target.protocol !== 'https:' || /^(localhost|127\.|10\.|192\.168\.|169\.254\.|\[)/.test(target.hostname)) {
        return problem(res, 400, 'Webhook URLs must be public https URLs');
      }
      return send(res, 201, { id: s.nextId++, url: target.href, verified });
    }
    case 'GET /admin/users':
      if (!flaw('bfla') && claims.role !== 'admin') return problem(res, 403, 'Forbidden');
      return send(res, 200, [...s.users.values()].map((u) => publicUser(u, s)));
    default:
      return problem(res, 404, 'Not Found');
  }
}
