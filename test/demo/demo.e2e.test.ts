import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoInstructions, startDemo, type Demo } from '../../src/demo/run.js';

let demo: Demo;
beforeAll(async () => {
  demo = await startDemo({ port: 0, adminPort: 0, logLevel: 'silent' });
});
afterAll(async () => {
  await demo.close();
});

describe('the demo', () => {
  it('prints commands that point at the running gateway', () => {
    const text = demoInstructions(demo);
    expect(text).toContain(`curl -i ${demo.gatewayUrl}/api/users/1`);
    expect(text).toContain('Ctrl-C');
  });

  it('hands out a console token that reads the admin API and cannot write', async () => {
    const headers = { authorization: `Bearer ${demo.consoleTokens.viewer}`, 'content-type': 'application/json' };
    expect(await (await fetch(`${demo.adminUrl}/admin/api/v1/whoami`, { headers })).json()).toMatchObject({ role: 'viewer' });
    const write = await fetch(`${demo.adminUrl}/admin/api/v1/revocations`, { method: 'POST', headers, body: '{"kind":"ip","value":"192.0.2.1"}' });
    expect(write.status).toBe(403);
  });

  it('keeps an audit of its spec, so the console\'s Findings page has a report', async () => {
    const headers = { authorization: `Bearer ${demo.consoleTokens.viewer}` };
    const { items } = await (await fetch(`${demo.adminUrl}/admin/api/v1/reports`, { headers })).json() as { items: { kind: string; subject: string; total: number }[] };
    expect(items).toHaveLength(1);
    expect(items[0]?.kind).toBe('audit');
    expect(items[0]?.total).toBeGreaterThan(0);
  });

  it('lets a valid request through and strips the password hash the service leaks', async () => {
    const res = await fetch(`${demo.gatewayUrl}/api/users/1`);
    expect(res.status).toBe(200);
    const user = await res.json() as Record<string, unknown>;
    expect(user).toMatchObject({ id: 1, name: 'Ada Lovelace' });
    expect(user).not.toHaveProperty('passwordHash');
    expect(user).not.toHaveProperty('isAdmin');
  });

  it('refuses mass assignment by the contract', async () => {
    const res = await fetch(`${demo.gatewayUrl}/api/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Eve', email: 'eve@example.com', isAdmin: true }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'GH_CONTRACT_UNKNOWN_FIELD' });
  });

  it('hides the undeclared debug route', async () => {
    const res = await fetch(`${demo.gatewayUrl}/api/internal/debug`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('hunter2');
  });

  it('withholds the stack trace of a crash', async () => {
    const res = await fetch(`${demo.gatewayUrl}/api/orders/999`);
    expect(res.status).toBe(500);
    expect(await res.text()).not.toContain('OrderRepository');
  });

  it('serves metrics on the admin port', async () => {
    const res = await fetch(`${demo.adminUrl}/metrics`);
    expect(await res.text()).toContain('gatehouse_requests_total');
  });
});
