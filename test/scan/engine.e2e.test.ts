/**
 * What the scan promises whatever the target: it never leaves the target's origin (redirects are
 * not followed), stops before attacking when credentials are refused or the target is down,
 * stays within its request budget, and is deterministic for a seed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/scan/http.js';
import { PROBE_AGENT } from '../../src/scan/liveness.js';
import { runScan, ScanError } from '../../src/scan/index.js';
import { SPEC_FILE, startVulnerableApi, type VulnerableApi } from '../targets/vulnerable-api.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function api(flaws: 'all' | 'none'): Promise<{ api: VulnerableApi; log: string[] }> {
  const target = await startVulnerableApi({ flaws });
  const log: string[] = [];
  // Liveness probes are told apart by their user agent: they are not scan requests.
  target.server.on('request', (req: { method?: string; url?: string; headers: Record<string, unknown> }) => {
    if (req.headers['user-agent'] !== PROBE_AGENT) log.push(`${req.method ?? ''} ${req.url ?? ''}`);
  });
  cleanup.push(() => target.close());
  return { api: target, log };
}

describe('scan safety', () => {
  it('refuses to build a request off the target origin', () => {
    const client = new HttpClient({ target: new URL('http://127.0.0.1:9/api'), maxRequests: 10, rate: 0, timeoutMs: 100, deadline: Date.now() + 1000 });
    for (const path of ['//evil.example/x', 'http://evil.example/', 'https://127.0.0.1:9/']) {
      expect(() => client.urlOf({ method: 'GET', path, headers: {} })).toThrow(/off the target origin/);
    }
    expect(client.urlOf({ method: 'GET', path: '/api/x', headers: {} }).href).toBe('http://127.0.0.1:9/api/x');
  });

  it('never follows a redirect to another origin', async () => {
    let stolen = 0;
    const elsewhere = await listen((_req, res) => { stolen++; res.end('{}'); });
    const redirector = await listen((_req, res) => { res.writeHead(302, { location: `${elsewhere.url}/stolen` }).end(); });
    const report = await runScan({ spec: SPEC_FILE, target: redirector.url, checks: ['fuzz', 'inventory'], maxRequests: 200 });
    expect(report.requests).toBeGreaterThan(20);
    expect(stolen).toBe(0);
  });

  it('stops before attacking when a credential is refused, naming the identity', async () => {
    const { api: target, log } = await api('none');
    const good = await target.token('alice');
    const wrongAudience = await target.token('bob', { aud: 'another-api' });
    const scan = runScan({
      spec: SPEC_FILE, target: target.url,
      identities: [{ name: 'user1', header: 'Authorization', value: `Bearer ${good}` }, { name: 'user2', header: 'Authorization', value: `Bearer ${wrongAudience}` }],
    });
    await expect(scan).rejects.toThrow(ScanError);
    await expect(scan).rejects.toThrow(/identity "user2".*refused/);
    expect(log.length).toBeLessThanOrEqual(4);
  });

  it('proves a working credential with one request per identity', async () => {
    const { api: target, log } = await api('none');
    const report = await runScan({
      spec: SPEC_FILE, target: target.url, checks: ['inventory'],
      identities: [{ name: 'user1', header: 'Authorization', value: `Bearer ${await target.token('alice')}` }],
    });
    expect(log[0]).toMatch(/^GET \/api\/v2\//);
    expect(report.findings.filter((f) => f.kind === 'finding')).toEqual([]);
  });

  it('stops with a clear error when the target does not answer', async () => {
    const closed = await listen(() => undefined);
    const url = closed.url;
    await new Promise<void>((resolve) => { closed.server.close(() => resolve()); });
    await expect(runScan({ spec: SPEC_FILE, target: url })).rejects.toThrow(/did not answer/);
  });

  it('stays within the request budget and says the report is incomplete', async () => {
    const { api: target, log } = await api('all');
    const report = await runScan({ spec: SPEC_FILE, target: target.url, maxRequests: 60 });
    expect(report.requests).toBeLessThanOrEqual(60);
    expect(log.length).toBeLessThanOrEqual(60);
    expect(report.truncated).toBe(true);
    expect(report.notes.join(' ')).toMatch(/request budget spent/);
  });

  it('sends the same requests for the same seed and different ones for another seed', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const { api: target, log } = await api('none');
      await runScan({ spec: SPEC_FILE, target: target.url, seed, checks: ['fuzz'], operations: ['listProducts', 'getProduct', 'greeting'] });
      return log;
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(a.length).toBeGreaterThan(30);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('reports coverage for every selected operation, so 0% coverage cannot pass silently', async () => {
    const { api: target } = await api('none');
    // No credential: every secured operation is only refused, and the report says so.
    const report = await runScan({ spec: SPEC_FILE, target: target.url, checks: ['fuzz'], rate: 200 });
    const byOp = Object.fromEntries(report.coverage.map((c) => [c.operation, c.state]));
    expect(Object.keys(byOp)).toHaveLength(17);
    expect(byOp.getMe).toBe('refused');
    expect(byOp.listProducts).toBe('reached');
  });
});
