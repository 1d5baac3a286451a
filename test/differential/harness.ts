import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { RequestContext } from '../../src/gateway/context.js';
import { scratchDir } from '../helpers/gateway.js';

export const shopSpec = fileURLToPath(new URL('./fixtures/shop.yaml', import.meta.url));

/** A request exactly as the upstream received it: the request target and the body's bytes. */
export interface Received {
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A real upstream on a loopback socket that keeps the exact bytes of what reached it, by request id. */
export interface Recorder {
  readonly url: string;
  readonly received: Received[];
  byId(id: string): Received | undefined;
  close(): Promise<void>;
}

/** How the recorder answers: `{}` with 201 for POST and 200 otherwise, unless `answer` does (returns true). */
export async function startRecorder(answer?: (received: Received, res: ServerResponse) => boolean): Promise<Recorder> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const one = { method: req.method ?? '', target: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(one);
      if (answer?.(one, res) === true) return;
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json', 'content-length': 2 });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    byId: (id) => received.find((r) => r.headers['x-request-id'] === id),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** What the gateway validated for one request, captured by an observer when it completed. */
export interface Validated {
  readonly id: string;
  readonly status: number;
  readonly api: string | undefined;
  /** The operation's path template with the API's base path, undefined when unmatched. */
  readonly template: string | undefined;
  readonly pathParams: Record<string, string> | undefined;
  readonly path: string;
  readonly query: Record<string, string | string[]> | undefined;
  readonly body: unknown;
  readonly forwarded: boolean;
}

export interface DiffGateway {
  readonly url: string;
  readonly validated: Map<string, Validated>;
  close(): Promise<void>;
}

/** A gateway over `apisYaml` (the `apis:` list, indented two spaces) that records what it validated. */
export async function startDiffGateway(apisYaml: string): Promise<DiffGateway> {
  const dir = await scratchDir('gh-diff-');
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'limits: { maxBodyBytes: 16kb }',
    'apis:',
    apisYaml,
  ].join('\n');
  const file = path.join(dir, 'gatehouse.yaml');
  await writeFile(file, yaml);
  const config = await parseConfig(yaml, file);
  const validated = new Map<string, Validated>();
  const observe = (ctx: RequestContext): void => {
    const op = ctx.route?.operation;
    const base = ctx.api?.config.basePath ?? '';
    validated.set(ctx.id, {
      id: ctx.id,
      status: ctx.status,
      api: ctx.api?.name,
      template: op === undefined ? undefined : base + op.path,
      pathParams: ctx.pathParams,
      path: ctx.path,
      query: ctx.query,
      body: ctx.body,
      forwarded: ctx.forwarded,
    });
  };
  const gateway = await Gateway.start(config, { logger: pino({ level: 'silent' }), drainMs: 200, observers: [observe] });
  return { url: gateway.httpUrl, validated, close: () => gateway.close() };
}

/** The decoded segments of a template filled with the values the gateway captured. */
export function filledTemplate(template: string, params: Record<string, string> | undefined): string[] {
  return template.split('/').map((segment) => segment.replace(/\{([^}]*)\}/g, (_, name: string) => params?.[name] ?? ''));
}

/** Writes one request with a body and a Content-Length computed from its bytes. */
export function requestBytes(method: string, target: string, headers: Record<string, string>, body?: Buffer): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: gw.test', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push(`Content-Length: ${body.length}`);
  lines.push('Connection: close', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body ?? Buffer.alloc(0)]);
}
