import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { JwksCache } from './jwks.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r) ?? r(undefined));
  server = undefined;
});

async function serve(handler: (path: string, base: string) => unknown): Promise<{ base: string; hits: string[] }> {
  const hits: string[] = [];
  let base = '';
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(handler(req.url ?? '', base)));
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, hits };
}

const options = { cooldownMs: 60_000, maxAgeMs: 600_000, timeoutMs: 1000 };

describe('JwksCache', () => {
  it('follows discovery to jwks_uri when the metadata names the same issuer', async () => {
    const { base, hits } = await serve((path, b) => path.startsWith('/.well-known') ? { issuer: b, jwks_uri: `${b}/keys` } : { keys: [] });
    const cache = new JwksCache({ kind: 'discovery', issuer: base }, options);
    expect(await cache.refresh()).toBe(true);
    expect(hits).toEqual(['/.well-known/openid-configuration', '/keys']);
  });

  it('refuses discovery metadata that names another issuer (mix-up)', async () => {
    const errors: string[] = [];
    const { base } = await serve(() => ({ issuer: 'https://evil.example', jwks_uri: 'https://evil.example/keys' }));
    const cache = new JwksCache({ kind: 'discovery', issuer: base }, { ...options, onError: (e) => errors.push(e) });
    expect(await cache.refresh()).toBe(false);
    expect(errors[0]).toContain('names issuer https://evil.example');
  });

  it('fetches once for a burst of unknown kids within the cooldown', async () => {
    const { base, hits } = await serve(() => ({ keys: [] }));
    const cache = new JwksCache({ kind: 'url', url: `${base}/keys` }, options);
    const attempts = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => cache.getKey({ alg: 'ES256', kid: `k${i}` }, { payload: '', signature: '' } as never)));
    expect(attempts.every((a) => a.status === 'rejected')).toBe(true);
    expect(hits).toHaveLength(1);
  });
});
