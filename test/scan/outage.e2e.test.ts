/**
 * Targets that die or hang mid-scan, over real sockets: the scan files one availability finding
 * for the request that took the target down (with that request and its curl), waits for it to
 * come back or stops with a clear note, and never files the requests that followed as crashes.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROBE_AGENT } from '../../src/scan/liveness.js';
import { runScan, type ScanReport } from '../../src/scan/index.js';

const SPEC = path.join(mkdtempSync(path.join(tmpdir(), 'gh-outage-')), 'items.yaml');
writeFileSync(SPEC, `
openapi: 3.0.3
info: { title: Items, version: 1.0.0 }
paths:
  /items:
    get:
      operationId: listItems
      responses:
        '200': { description: Items, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Item' } } } } }
    post:
      operationId: createItem
      requestBody:
        required: true
        content: { application/json: { schema: { type: object, required: [name], properties: { name: { type: string, maxLength: 100 } } } } }
      responses:
        '201': { description: Created, content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } } }
        '400': { description: Bad item }
  /items/{itemId}:
    get:
      operationId: getItem
      parameters: [{ name: itemId, in: path, required: true, schema: { type: integer, minimum: 1 } }]
      responses:
        '200': { description: An item, content: { application/json: { schema: { $ref: '#/components/schemas/Item' } } } }
        '404': { description: Not found }
components:
  schemas:
    Item: { type: object, properties: { id: { type: integer }, name: { type: string } } }
`);

interface Target {
  readonly url: string;
  /** Scan requests the target received (liveness probes left out), in order. */
  readonly log: string[];
  /** The request the target was handling when it went down. */
  fatal: string | undefined;
  /** Times it went down. */
  downs: number;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/**
 * An items service that goes down when `kill` says so: it drops every connection and stops
 * listening, like a process that exited; `restartMs` brings it back on the same port. `hang`
 * instead stops answering anything (an event loop stuck in a loop).
 */
async function itemsService(options: { kill: (req: IncomingMessage, body: string, n: number) => boolean; restartMs?: number; hang?: boolean; exitAfter?: number }): Promise<Target> {
  const items = [{ id: 1, name: 'first' }];
  let n = 0;
  let hung = false;
  const stuck: ServerResponse[] = [];
  let server: Server;
  const target: Target = { url: '', log: [], fatal: undefined, downs: 0 };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString(); });
    req.on('end', () => {
      if (hung) { stuck.push(res); return; }
      const probe = req.headers['user-agent'] === PROBE_AGENT;
      if (!probe) target.log.push(`${req.method ?? ''} ${req.url ?? ''} ${body}`.trim());
      const count = probe ? n : ++n;
      if (count === options.exitAfter && !probe) {
        // Answers this one, then the process exits a moment later.
        res.on('finish', () => setTimeout(() => { target.downs++; server.close(); server.closeAllConnections(); }, 30));
      }
      if (!probe && options.kill(req, body, count)) {
        target.fatal = `${req.method ?? ''} ${req.url ?? ''} ${body}`.trim();
        target.downs++;
        if (options.hang === true) { hung = true; stuck.push(res); return; }
        const port = (server.address() as AddressInfo).port;
        server.close();
        server.closeAllConnections();
        if (options.restartMs !== undefined) setTimeout(() => { server = createServer(handler).listen(port, '127.0.0.1'); }, options.restartMs);
        return;
      }
      res.setHeader('content-type', 'application/json');
      if (req.method === 'GET' && req.url === '/items') return void res.end(JSON.stringify(items));
      if (req.method === 'POST' && req.url === '/items') {
        let parsed: { name?: unknown };
        try { parsed = JSON.parse(body) as { name?: unknown }; } catch { parsed = {}; }
        if (typeof parsed.name !== 'string' || parsed.name.length > 100) return void res.writeHead(400).end('{"title":"bad item"}');
        const item = { id: items.length + 1, name: parsed.name };
        items.push(item);
        return void res.writeHead(201).end(JSON.stringify(item));
      }
      const m = /^\/items\/(\d+)$/.exec(req.url ?? '');
      const item = m === null ? undefined : items.find((i) => i.id === Number(m[1]));
      if (req.method === 'GET' && item !== undefined) return void res.end(JSON.stringify(item));
      res.writeHead(404).end('{"title":"not found"}');
    });
  };
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  Object.assign(target, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  cleanup.push(() => new Promise((resolve) => {
    for (const r of stuck) r.destroy();
    server.closeAllConnections();
    server.close(() => resolve());
    if (!server.listening) resolve();
  }));
  return target;
}

const findings = (r: ScanReport): ScanReport['findings'] => r.findings.filter((f) => f.kind === 'finding');
const NOT_ATTRIBUTABLE = /^(fuzz\.(crash|timeout|server-error)|stateful\.|rate-limit\.none)/;

describe('a target that goes down mid-scan', () => {
  it('files one outage for the request that crashed it, then stops when it does not come back', async () => {
    const target = await itemsService({ kill: (_req, _body, n) => n === 15 });
    const report = await runScan({ spec: SPEC, target: target.url, seed: 3, outageWaitMs: 1_000, maxRequests: 1_000 });
    const down = findings(report).filter((f) => f.ruleId.startsWith('availability.'));
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ ruleId: 'availability.crash', severity: 'high', occurrences: 1 });
    // The request that took it down, not one of those after it.
    expect(`${down[0]?.request.method ?? ''} ${down[0]?.request.path ?? ''} ${down[0]?.request.body ?? ''}`.trim()).toBe(target.fatal);
    expect(down[0]?.curl).toMatch(/^curl -sS -i /);
    expect(down[0]?.evidence).toMatch(/did not answer again/);
    expect(findings(report).filter((f) => NOT_ATTRIBUTABLE.test(f.ruleId))).toEqual([]);
    expect(report.truncated).toBe(true);
    expect(report.notes.join('\n')).toMatch(/stopped answering after .* and did not answer again within 1 s/);
    // Nothing more was sent into the dead port than the request in flight.
    expect(report.requests).toBeLessThanOrEqual(16);
  }, 60_000);

  it('waits for a target that restarts, then goes on without blaming the requests after the crash', async () => {
    const target = await itemsService({ kill: (_req, _body, n) => n === 15, restartMs: 300 });
    const report = await runScan({ spec: SPEC, target: target.url, seed: 3, outageWaitMs: 10_000, maxRequests: 600, checks: ['fuzz', 'stateful', 'injection'] });
    const down = findings(report).filter((f) => f.ruleId.startsWith('availability.'));
    expect(down).toHaveLength(1);
    expect(`${down[0]?.request.method ?? ''} ${down[0]?.request.path ?? ''} ${down[0]?.request.body ?? ''}`.trim()).toBe(target.fatal);
    expect(down[0]?.evidence).toMatch(/answered again after/);
    expect(findings(report).filter((f) => NOT_ATTRIBUTABLE.test(f.ruleId))).toEqual([]);
    expect(report.truncated).toBe(false);
    // It went on: well past the crash, every operation reached.
    expect(target.log.length).toBeGreaterThan(50);
    expect(report.coverage.every((c) => c.state === 'reached')).toBe(true);
  }, 60_000);

  it('files one hang, not a timeout per request, for a target that stops answering', async () => {
    const target = await itemsService({ kill: (_req, _body, n) => n === 10, hang: true });
    const report = await runScan({ spec: SPEC, target: target.url, seed: 3, timeoutMs: 600, outageWaitMs: 800, maxRequests: 1_000 });
    const down = findings(report).filter((f) => f.ruleId.startsWith('availability.'));
    expect(down.map((f) => [f.ruleId, f.occurrences])).toEqual([['availability.hang', 1]]);
    expect(`${down[0]?.request.method ?? ''} ${down[0]?.request.path ?? ''} ${down[0]?.request.body ?? ''}`.trim()).toBe(target.fatal);
    expect(findings(report).filter((f) => NOT_ATTRIBUTABLE.test(f.ruleId))).toEqual([]);
    expect(report.truncated).toBe(true);
    expect(report.requests).toBeLessThanOrEqual(11);
  }, 60_000);

  it('names the operation and the input that crashes the service, with a curl that repeats it', async () => {
    // Planted: a name over 40 characters takes the whole process down (it comes back in 200 ms).
    const target = await itemsService({ kill: (req, body) => req.method === 'POST' && /"name":"[^"]{41,}"/.test(body), restartMs: 200 });
    const report = await runScan({ spec: SPEC, target: target.url, seed: 5, outageWaitMs: 10_000, maxRequests: 800, checks: ['fuzz', 'stateful'] });
    const down = findings(report).filter((f) => f.ruleId.startsWith('availability.'));
    expect(down.map((f) => `${f.ruleId} ${f.operation ?? ''}`)).toEqual(['availability.crash createItem']);
    expect(down[0]?.request.body).toMatch(/"name":"[^"]{41,}"/);
    expect(down[0]?.curl).toContain('--data-raw');
    expect(findings(report).filter((f) => NOT_ATTRIBUTABLE.test(f.ruleId))).toEqual([]);
    expect(target.downs).toBeLessThanOrEqual(3);
  }, 60_000);

  it('blames the last answered request when the target dies after answering it', async () => {
    // The 12th request is answered, then the process exits: the next connection is refused.
    const target = await itemsService({ kill: () => false, exitAfter: 12 });
    const report = await runScan({ spec: SPEC, target: target.url, seed: 3, outageWaitMs: 500, maxRequests: 500, rate: 5 });
    const down = findings(report).filter((f) => f.ruleId.startsWith('availability.'));
    expect(down).toHaveLength(1);
    // What the 12th request was: the one before the one that found the target gone.
    const twelfth = target.log[11];
    expect(`${down[0]?.request.method ?? ''} ${down[0]?.request.path ?? ''} ${down[0]?.request.body ?? ''}`.trim()).toBe(twelfth);
    expect(findings(report).filter((f) => NOT_ATTRIBUTABLE.test(f.ruleId))).toEqual([]);
  }, 60_000);
});
