/**
 * Mass assignment read back by its effect: a service that stores an `isAdmin` sent at registration
 * but never shows it (not in its profile, not in its token) still lets that account call its
 * admin read. The fixed twin ignores the property. Real HTTP on loopback; an OpenAPI 3.1 spec with
 * JSON bodies and opaque (non-JWT) session tokens.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScan } from '../../src/scan/index.js';

const SPEC = {
  openapi: '3.1.0', info: { title: 'Members', version: '3' },
  components: { securitySchemes: { session: { type: 'apiKey', in: 'header', name: 'X-Session' } } },
  security: [{ session: [] }],
  paths: {
    '/signup': { post: { security: [], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['login', 'password'], properties: { login: { type: 'string' }, password: { type: 'string' } } } } } }, responses: { 201: { description: 'created' }, 400: { description: 'bad' } } } },
    '/signin': { post: { security: [], requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['login', 'password'], properties: { login: { type: 'string' }, password: { type: 'string' } } } } } }, responses: { 200: { description: 'session' }, 401: { description: 'no' } } } },
    '/whoami': { get: { responses: { 200: { description: 'me' }, 401: { description: 'no' } } } },
    '/admin/members': { get: { responses: { 200: { description: 'all members' }, 401: { description: 'no' }, 403: { description: 'no' } } } },
  },
};

interface Member { login: string; password: string; isAdmin: boolean }

async function start(flawed: boolean): Promise<{ url: string; server: Server }> {
  const members = new Map<string, Member>();
  const sessions = new Map<string, Member>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown): void => { res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)); };
      let body: Record<string, unknown> = {};
      try { body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>; } catch { return send(400, { error: 'json' }); }
      const route = `${req.method ?? ''} ${req.url ?? ''}`;
      if (route === 'POST /signup' || route === 'POST /signin') {
        if (typeof body.login !== 'string' || typeof body.password !== 'string' || body.login === '') return send(400, { error: 'fields' });
        if (route === 'POST /signup') {
          if (members.has(body.login)) return send(400, { error: 'taken' });
          // Planted: the whole body becomes the record, isAdmin included; nothing ever shows it.
          members.set(body.login, { login: body.login, password: body.password, isAdmin: flawed && body.isAdmin === true });
          return send(201, { ok: true });
        }
        const m = members.get(body.login);
        if (m === undefined || m.password !== body.password) return send(401, { error: 'no' });
        const session = randomBytes(16).toString('hex');
        sessions.set(session, m);
        return send(200, { session });
      }
      const me = sessions.get(String(req.headers['x-session'] ?? ''));
      if (me === undefined) return send(401, { error: 'no' });
      if (route === 'GET /whoami') return send(200, { login: me.login });
      if (route === 'GET /admin/members') return me.isAdmin ? send(200, [...members.keys()]) : send(403, { error: 'admins only' });
      return send(404, { error: 'no' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('mass assignment read back by its effect', () => {
  const spec = join(mkdtempSync(join(tmpdir(), 'gh-members-')), 'members.json');
  const servers: Server[] = [];
  beforeAll(() => { writeFileSync(spec, JSON.stringify(SPEC)); });
  afterAll(async () => { for (const s of servers) await new Promise((r) => { s.closeAllConnections(); s.close(r); }); });

  for (const flawed of [true, false]) {
    it(flawed ? 'finds an admin flag that only shows in what the account may do' : 'finds nothing when the flag is ignored', async () => {
      const target = await start(flawed);
      servers.push(target.server);
      const report = await runScan({ spec, target: target.url, checks: ['mass-assignment'], maxRequests: 200, seed: 3 });
      const finding = report.findings.find((f) => f.ruleId === 'mass-assignment.accepted');
      if (!flawed) return expect(finding).toBeUndefined();
      expect(finding?.operation).toBe('POST /signup');
      expect(finding?.evidence).toMatch(/by their effect: GET \/admin\/members answered 200 to the new account and 403/);
    });
  }
});
