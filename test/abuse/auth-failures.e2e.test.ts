import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';
import { abuseGateway } from './helpers.js';

let upstream: TestUpstream;
let gw: StartedGateway;

beforeAll(async () => {
  // The upstream's login checks the password: 401 unless it is "right".
  upstream = await startUpstream((req, res) => {
    if (req.url === '/v1/login') {
      const { password } = JSON.parse(req.body) as { password?: string };
      if (password === 'right') return json(res, 200, { ok: true });
      res.writeHead(401);
      return res.end();
    }
    json(res, 200, {});
  });
  gw = await abuseGateway(upstream, '      authFailures: { perIp: 3/h, perIdentity: 2/h, identityFrom: body.username }', 'clientIp: { trustedHops: 1 }');
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

function login(ip: string, username: string, password: string): Promise<Response> {
  return fetch(`${gw.url}/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ username, password }) });
}

describe('brute-force defence', () => {
  it('blocks an account after its failure budget, even with the right password, and says when to retry', async () => {
    expect((await login('10.0.0.1', 'alice', 'guess1')).status).toBe(401);
    expect((await login('10.0.0.2', 'Alice', 'guess2')).status).toBe(401);
    const blocked = await login('10.0.0.3', 'alice', 'right');
    expect(blocked.status).toBe(429);
    expect(await blocked.json()).toMatchObject({ code: 'GH_AUTHN_TOO_MANY_FAILURES' });
    // 2 per hour: one failure drains every 30 minutes.
    const retry = Number(blocked.headers.get('retry-after'));
    expect(retry).toBeGreaterThan(1790);
    expect(retry).toBeLessThanOrEqual(1800);
    // Another account is not affected.
    expect((await login('10.0.0.3', 'bob', 'right')).status).toBe(200);
  });

  it('blocks an address after its failure budget, for every account and operation', async () => {
    for (const user of ['u1', 'u2', 'u3']) expect((await login('10.9.9.9', user, 'wrong')).status).toBe(401);
    expect((await login('10.9.9.9', 'u4', 'right')).status).toBe(429);
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '10.9.9.9' } })).status).toBe(429);
    // Other addresses are not.
    expect((await fetch(`${gw.url}/v1/items`, { headers: { 'x-forwarded-for': '10.9.9.10' } })).status).toBe(200);
  });

  it('does not count successful logins', async () => {
    for (let i = 0; i < 8; i++) expect((await login('10.5.5.5', 'carol', 'right')).status).toBe(200);
  });
});
