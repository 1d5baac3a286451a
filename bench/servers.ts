/**
 * The processes a benchmark run measures, one per role, each in its own process so the load
 * generator does not share a core with what it measures any more than it must:
 *   upstream  — a plain keep-alive JSON service
 *   floor     — the minimal undici pass-through proxy (the floor we compare against)
 *   gatehouse — the gateway with full contract enforcement
 *   gatehouse-plain — the gateway as a plain proxy: contract and authentication off
 *   fastify   — fastify with @fastify/http-proxy, the Node peer a team would otherwise pick
 * Prints `{"port": N}` on stdout once listening.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import { parseConfig } from '../src/config/index.js';
import { Gateway } from '../src/gateway/gateway.js';

export const ITEM = {
  id: 42, name: 'Walnut desk', description: 'A solid walnut desk with two drawers, oiled finish and steel legs. '.repeat(6).trim(),
  price: 749.5, currency: 'EUR', tags: ['furniture', 'desk', 'walnut', 'office', 'solid-wood'],
  dimensions: { width: 160, height: 75, depth: 80 },
  stock: [{ warehouse: 'ams-1', quantity: 12 }, { warehouse: 'ber-2', quantity: 3 }, { warehouse: 'par-1', quantity: 0 }],
};

async function upstream(): Promise<number> {
  const body = Buffer.from(JSON.stringify(ITEM));
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function floor(target: string): Promise<number> {
  const pool = new Pool(target, { connections: 128, pipelining: 1 });
  const server = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers.connection;
    delete headers.host;
    pool.request({ method: req.method as Dispatcher.HttpMethod, path: req.url ?? '/', headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req })
      .then(async (upstreamRes) => {
        const out = { ...upstreamRes.headers };
        delete out.connection;
        delete out['keep-alive'];
        res.writeHead(upstreamRes.statusCode, out);
        // The same copy loop as the gateway's: stream.pipeline is much slower on undici bodies.
        for await (const chunk of upstreamRes.body as AsyncIterable<Buffer>) {
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        }
        res.end();
      })
      .catch(() => { res.statusCode = 502; res.end(); });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

async function fastifyProxy(target: string): Promise<number> {
  const { default: Fastify } = await import('fastify');
  const { default: proxy } = await import('@fastify/http-proxy');
  const app = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  // Bodies pass through as streams, as the floor and the gateway's copy loop do.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  await app.register(proxy, { upstream: target, undici: { connections: 128, pipelining: 1 } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return (app.server.address() as AddressInfo).port;
}

async function gatehouse(target: string, extraYaml: string, contract = 'contract: { mode: enforce, unknownFields: reject, responses: strip }'): Promise<number> {
  const spec = fileURLToPath(new URL('../../bench/fixtures/bench-api.yaml', import.meta.url));
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'logging: { level: warn }',
    'limits: { keepAliveTimeout: 60s }',
    'apis:',
    '  - name: bench',
    `    spec: ${spec}`,
    `    upstream: { url: "${target}", connections: 128 }`,
    '    policies:',
    `      ${contract}`,
    extraYaml,
  ].join('\n');
  const config = await parseConfig(yaml, fileURLToPath(new URL('../../bench/fixtures/gatehouse.yaml', import.meta.url)));
  const gateway = await Gateway.start(config, { logger: pino({ level: 'warn' }) });
  return gateway.addresses.http?.port ?? 0;
}

async function main(): Promise<void> {
  const [role, target, extra] = process.argv.slice(2);
  const port = role === 'upstream' ? await upstream()
    : role === 'floor' ? await floor(target ?? '')
      : role === 'gatehouse' ? await gatehouse(target ?? '', extra ?? '')
        : role === 'gatehouse-plain' ? await gatehouse(target ?? '', extra ?? '', 'contract: { mode: off, responses: off }')
          : role === 'fastify' ? await fastifyProxy(target ?? '')
        : undefined;
  if (port === undefined) throw new Error(`unknown role ${role ?? ''}`);
  process.stdout.write(JSON.stringify({ port }) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
