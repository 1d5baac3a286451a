import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The bundled sample API behind the demo: users and orders in memory. It is deliberately careless
 * in the ways real services are, so the gateway has something to stop: it returns a password
 * hash nobody declared, accepts any field on create, answers a crash with a stack trace and
 * serves an undocumented debug route.
 */
interface User { id: number; name: string; email: string; createdAt: string; passwordHash: string; isAdmin: boolean }
interface Order { id: number; userId: number; status: 'open' | 'shipped' | 'cancelled'; items: { sku: string; quantity: number }[]; note?: string; internalCost: number }

export interface SampleApi {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startSampleApi(port = 0, host = '127.0.0.1'): Promise<SampleApi> {
  const users: User[] = [
    { id: 1, name: 'Ada Lovelace', email: 'ada@example.com', createdAt: '2026-01-05T10:00:00Z', passwordHash: '$2b$10$abcdefghijklmnopqrstuv', isAdmin: true },
    { id: 2, name: 'Alan Turing', email: 'alan@example.com', createdAt: '2026-02-11T09:30:00Z', passwordHash: '$2b$10$zyxwvutsrqponmlkjihgfe', isAdmin: false },
  ];
  const orders: Order[] = [
    { id: 1, userId: 1, status: 'open', items: [{ sku: 'BOOK-001', quantity: 1 }], internalCost: 12.5 },
    { id: 2, userId: 2, status: 'shipped', items: [{ sku: 'PEN-042', quantity: 3 }], internalCost: 2.1 },
  ];
  const server = createServer((req, res) => {
    void route(req, res, users, orders).catch((error: unknown) => {
      // The kind of answer the gateway must never let through: a stack trace.
      send(res, 500, { error: String(error), stack: (error as Error).stack ?? '' });
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    server,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, users: User[], orders: Order[]): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sample');
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts[0] !== 'api') return send(res, 404, { error: 'not found' });
  const [, resource, id, sub] = parts;
  if (resource === 'users' && id === undefined) {
    if (req.method === 'GET') return send(res, 200, users.slice(0, Number(url.searchParams.get('limit') ?? 20)));
    if (req.method === 'POST') {
      const body = await readJson(req) as Partial<User>;
      const user: User = { passwordHash: '$2b$10$newnewnewnewnewnewnewn', isAdmin: false, ...body, id: users.length + 1, createdAt: new Date().toISOString() } as User;
      users.push(user);
      return send(res, 201, user);
    }
  }
  if (resource === 'users' && id !== undefined && req.method === 'GET') {
    const user = users.find((u) => u.id === Number(id));
    if (user === undefined) return send(res, 404, { title: 'user not found' });
    if (sub === 'orders') return send(res, 200, orders.filter((o) => o.userId === user.id));
    if (sub === undefined) return send(res, 200, user);
  }
  if (resource === 'orders' && id === undefined && req.method === 'POST') {
    const body = await readJson(req) as Omit<Order, 'id' | 'status' | 'internalCost'>;
    const order: Order = { ...body, id: orders.length + 1, status: 'open', internalCost: 1 };
    orders.push(order);
    return send(res, 201, order);
  }
  if (resource === 'orders' && id !== undefined && req.method === 'GET') {
    if (id === '999') throw new Error('database connection lost at OrderRepository.find (orders.ts:42)');
    const order = orders.find((o) => o.id === Number(id));
    return order === undefined ? send(res, 404, { title: 'order not found' }) : send(res, 200, order);
  }
  if (resource === 'internal' && id === 'debug') return send(res, 200, { env: 'production', dbPassword: 'hunter2' });
  return send(res, 404, { error: 'not found' });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), server: 'sample-api/1.0 (Node.js)', 'x-powered-by': 'Express' });
  res.end(text);
}
