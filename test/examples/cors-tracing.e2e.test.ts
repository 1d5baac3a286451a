import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { loadConfig } from '../../src/config/index.js';
import { startSampleApi, type SampleApi } from '../../src/demo/sample-api.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { createLogger } from '../../src/observe/logger.js';

/*
 * examples/cors and examples/tracing as a user runs them: each file passes check-config, and
 * each gateway, started from the example's own file in front of the demo's sample API, does
 * what the example's README shows (tracing into the example's own receiver.mjs).
 */
const example = (name: string): string => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

let sample: SampleApi;

beforeAll(async () => {
  sample = await startSampleApi();
});

afterAll(async () => {
  await sample?.close();
});

async function startExample(name: string, env: Record<string, string> = {}): Promise<{ gateway: Gateway; url: string; lines: string[] }> {
  const config = await loadConfig(example(`${name}/gatehouse.yaml`), {
    env: { ...process.env, DEMO_UPSTREAM_URL: sample.url, GATEHOUSE_PORT: '0', GATEHOUSE_ADMIN_PORT: '0', ...env },
  });
  const lines: string[] = [];
  const logger = createLogger({ destination: { write: (line: string) => { lines.push(line); } } });
  const gateway = await Gateway.start(config, { logger, drainMs: 200 });
  return { gateway, url: gateway.httpUrl, lines };
}

async function send(url: string, method: string, headers: Record<string, string>) {
  const res = await request(url, { method: method as 'GET', headers });
  await res.body.text();
  return { status: res.statusCode, headers: res.headers };
}

describe.each(['cors', 'tracing'])('examples/%s/gatehouse.yaml', (name) => {
  it('passes check-config', async () => {
    const result = await checkConfig(example(`${name}/gatehouse.yaml`), { minScore: 0 });
    expect(result.lines.filter((l) => !l.startsWith('api ') && !l.startsWith('warning:'))).toEqual([`${example(`${name}/gatehouse.yaml`)}: ok`]);
    expect(result.ok).toBe(true);
  });
});

describe('examples/cors', () => {
  it('answers the README\'s requests as it says', async () => {
    const { gateway, url } = await startExample('cors');
    try {
      const app = 'http://localhost:5173';
      const ok = await send(`${url}/api/users`, 'OPTIONS', { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' });
      expect(ok.status).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(app);
      const foreign = await send(`${url}/api/users`, 'OPTIONS', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
      expect(foreign.status).toBe(403);
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      const header = await send(`${url}/api/users`, 'OPTIONS', { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-debug' });
      expect(header.status).toBe(403);
      const get = await send(`${url}/api/users/1`, 'GET', { origin: app });
      expect(get.status).toBe(200);
      expect(get.headers['access-control-allow-credentials']).toBe('true');
      expect((await send(`${url}/api/users/1`, 'GET', { origin: 'https://evil.example' })).status).toBe(403);
    } finally {
      await gateway.close();
    }
  });
});

describe('examples/tracing', () => {
  let receiver: ChildProcess;
  const printed: string[] = [];

  afterAll(() => {
    receiver?.kill();
  });

  it('exports the README\'s trace to the example\'s receiver', async () => {
    receiver = spawn(process.execPath, [example('tracing/receiver.mjs'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: receiver.stdout as NodeJS.ReadableStream });
    const endpoint = await new Promise<string>((resolve) => {
      lines.once('line', (line) => resolve(line.slice(line.indexOf('http://'))));
    });
    lines.on('line', (line) => printed.push(line));
    const { gateway, url, lines: logs } = await startExample('tracing', { OTLP_TRACES_ENDPOINT: endpoint });
    const res = await send(`${url}/api/users/1`, 'GET', { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    expect(res.status).toBe(200);
    // Closing flushes the spans; the receiver prints them as they arrive.
    await gateway.close();
    await expect.poll(() => printed.length, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    const trace = printed.filter((l) => l.startsWith('trace 4bf92f3577b34da6a3ce929d0e0e4736 '));
    expect(trace.find((l) => l.includes(' server '))).toMatch(/parent 00f067aa0ba902b7 server GET \/users\/\{userId\} [\d.]+ ms status 200$/);
    expect(trace.map((l) => / (server|client|internal) (\S+)/.exec(l)?.[2]).sort()).toEqual(['GET', 'contract', 'upstream']);
    const access = JSON.parse(logs.find((l) => l.includes('"msg":"request"')) as string) as Record<string, unknown>;
    expect(access.trace_id).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(access['http.route']).toBe('/users/{userId}');
  });
});
