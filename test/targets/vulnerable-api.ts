/**
 * A deliberately vulnerable shop API for testing `gatehouse scan`, with its own spec
 * (vulnerable-api.yaml). Each planted flaw is switched by a name; the fixed twin is the same
 * server with every flaw off. Listens on loopback only. The command-injection flaw is simulated
 * (the "shell" only understands sleep) so no real shell ever runs attacker input.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { handle, type State } from './vulnerable-handlers.js';

export const FLAWS = [
  'fuzz-crash', // POST /products: a name over 40 characters crashes (500 with a stack trace)
  'response-schema', // GET /products: price is sent as a string
  'stateful', // GET /notes/{id} after DELETE crashes instead of answering 404
  'alg-none', // tokens with alg "none" are accepted unsigned
  'bola', // GET /orders/{id} returns any user's order
  'bfla', // GET /admin/users is open to every authenticated user
  'mass-assignment', // PATCH /users/me merges any property (role, isAdmin)
  'exposure', // GET /users/me returns the password hash
  'misconfig', // banner, no nosniff, CORS reflects origins with credentials, TRACE echoes
  'rate-limit', // no rate limiting, and limit is not capped
  'sqli', // GET /products?search= concatenated into SQL
  'nosqli', // POST /login honours $ne / $gt operators
  'command', // POST /tools/ping passes host to a (simulated) shell
  'xss', // GET /greeting reflects name unescaped into HTML
  'ssrf', // POST /webhooks fetches any URL, loopback included
  'inventory', // /api/v1/products and /debug still answer
] as const;
export type Flaw = (typeof FLAWS)[number];

export interface VulnerableApi {
  readonly url: string;
  readonly baseUrl: string;
  readonly server: Server;
  /** A valid HS256 token for a user of the service. */
  token(sub: 'alice' | 'bob' | 'root', overrides?: { exp?: number; aud?: string }): Promise<string>;
  close(): Promise<void>;
}

export const SPEC_FILE = new URL('./vulnerable-api.yaml', import.meta.url).pathname;
const SECRET = new TextEncoder().encode('vulnerable-api-test-secret-0123456789');
export const AUDIENCE = 'vulnerable-shop';

export async function startVulnerableApi(options: { flaws: 'all' | 'none' | readonly Flaw[] }): Promise<VulnerableApi> {
  const flaws = new Set<Flaw>(options.flaws === 'all' ? FLAWS : options.flaws === 'none' ? [] : options.flaws);
  const db = new Database(':memory:');
  db.exec('CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)');
  const insert = db.prepare('INSERT INTO products (name, price) VALUES (?, ?)');
  for (const [n, p] of [['Fountain pen', 25], ['Notebook', 4.5], ['Ink bottle', 9.9]] as const) insert.run(n, p);
  // More products than a page may hold (limit is capped at 50), so an uncapped limit shows.
  for (let i = 1; i <= 60; i++) insert.run(`Refill ${i}`, 1 + i / 10);
  const state: State = {
    flaws, db, secret: SECRET, audience: AUDIENCE,
    users: new Map([
      ['alice', { id: 'alice', username: 'alice', email: 'alice@example.com', displayName: 'Alice', role: 'user', password: 'alice-pw', passwordHash: '$2b$10$Q9sDdVq1wYp3m5n7b9c1eOq8u6s4q2o0m8k6i4g2e0c8a6y4w2u0s' }],
      ['bob', { id: 'bob', username: 'bob', email: 'bob@example.com', displayName: 'Bob', role: 'user', password: 'bob-pw', passwordHash: '$2b$10$Z1xXcCvVbBnNmMaAsSdDfOgGhHjJkKlLpPoOiIuUyYtTrReEwWqQ1' }],
      ['root', { id: 'root', username: 'root', email: 'root@example.com', displayName: 'Root', role: 'admin', password: 'root-pw', passwordHash: '$2b$10$R0oOtTrRoOtTrRoOtTrRoOtTrRoOtTrRoOtTrRoOtTrRoOtTrRoOtT' }],
    ]),
    orders: new Map([[1, { id: 1, owner: 'alice', productId: 1, quantity: 2 }], [2, { id: 2, owner: 'bob', productId: 2, quantity: 1 }]]),
    notes: new Map(), nextId: 100, buckets: new Map(),
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, state).catch((error: unknown) => {
      if (res.headersSent) return res.end();
      if (flaws.has('fuzz-crash') || flaws.has('stateful')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error), stack: (error as Error).stack }));
      } else {
        res.writeHead(500, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'Internal Server Error', status: 500 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url, baseUrl: `${url}/api/v2`, server,
    token: (sub, o = {}) => new SignJWT({ role: state.users.get(sub)?.role ?? 'user' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuedAt()
      .setAudience(o.aud ?? AUDIENCE).setExpirationTime(o.exp ?? Math.floor(Date.now() / 1000) + 3600).sign(SECRET),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => { db.close(); resolve(); }); }),
  };
}
