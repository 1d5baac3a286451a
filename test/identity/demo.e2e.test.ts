import { afterAll, beforeAll, expect, it } from 'vitest';
import { demoInstructions, startDemo, type Demo } from '../../src/demo/run.js';

let demo: Demo;

beforeAll(async () => {
  demo = await startDemo({ port: 0, adminPort: 0, logLevel: 'silent' });
});
afterAll(async () => {
  await demo.close();
});

const orders = (user: number, token?: string) => fetch(`${demo.gatewayUrl}/api/users/${user}/orders`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

it('prints ready tokens and the identity curls', () => {
  const text = demoInstructions(demo);
  expect(text).toContain(`USER_TOKEN=${demo.tokens.user}`);
  expect(text).toContain(`ADMIN_TOKEN=${demo.tokens.admin}`);
  expect(text).toContain(`curl -i ${demo.gatewayUrl}/api/users/2/orders -H "authorization: Bearer $USER_TOKEN"`);
});

it('refuses the orders of a user without a token', async () => {
  const res = await orders(1);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('Bearer realm="demo-shop"');
});

it('serves user 1 their own orders with the user token', async () => {
  expect((await orders(1, demo.tokens.user)).status).toBe(200);
});

it('refuses a BOLA attempt on user 2 with the user token and lets the admin through', async () => {
  const bola = await orders(2, demo.tokens.user);
  expect(bola.status).toBe(403);
  expect(await bola.json()).toMatchObject({ code: 'GH_AUTHZ_OBJECT_FORBIDDEN' });
  expect((await orders(2, demo.tokens.admin)).status).toBe(200);
});
