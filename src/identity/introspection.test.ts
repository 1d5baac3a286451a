import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntrospectionConfig } from './identity-config.js';
import { Introspector } from './introspection.js';

let server: Server;
let endpoint: string;
const calls: { auth: string | undefined; body: string }[] = [];
let answer: Record<string, unknown> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      calls.push({ auth: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const config = (over: Partial<IntrospectionConfig> = {}): IntrospectionConfig => ({
  endpoint, clientId: 'gw', clientSecret: 's3cr:et', clientAuth: 'basic', cacheTtlMs: 60_000, cacheSize: 100, timeoutMs: 1000,
  onUnavailable: 'unavailable', staleIfErrorMs: 0, audiences: [], rolesClaim: ['roles'], ...over,
});

describe('Introspector', () => {
  it('authenticates to the endpoint and never caches an answer past the token exp', async () => {
    let now = 1_000_000_000_000;
    answer = { active: true, sub: 'alice', scope: 'a b', exp: now / 1000 + 10 };
    calls.length = 0;
    const i = new Introspector(config(), { now: () => now });
    expect((await i.verify('opaque-1')).ok).toBe(true);
    expect(calls[0]?.auth).toBe(`Basic ${Buffer.from('gw:s3cr%3Aet').toString('base64')}`);
    expect(calls[0]?.body).toContain('token=opaque-1');
    now += 5_000;
    expect((await i.verify('opaque-1')).ok).toBe(true);
    expect(calls).toHaveLength(1);
    // The cache TTL is 60 s but the token dies after 10 s: the endpoint is asked again.
    now += 6_000;
    answer = { active: false };
    const r = await i.verify('opaque-1');
    expect(r.ok).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('refuses a token of another audience when audiences are configured', async () => {
    answer = { active: true, sub: 'alice', aud: 'other' };
    const r = await new Introspector(config({ audiences: ['orders'] })).verify('opaque-2');
    expect(!r.ok && r.reason).toContain('audience');
  });

  it('answers 401 instead of 503 when the endpoint is down and onUnavailable is unauthorized', async () => {
    const r = await new Introspector(config({ endpoint: 'http://127.0.0.1:1/x', onUnavailable: 'unauthorized' })).verify('opaque-3');
    expect(r).toMatchObject({ ok: false, code: 'GH_AUTHN_INVALID' });
  });
});
