import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * The CORS policy as a browser meets it: headless Chromium loads a page from one origin and
 * calls the gateway on another with a PUT and a custom header (so it sends a real preflight
 * first). The page on the listed origin reads the answer; the same page on an unlisted origin
 * is stopped by the browser, and its request never reaches the upstream.
 */
const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

const SPEC = `
openapi: 3.0.3
info: { title: Notes, version: "1" }
paths:
  /notes/{id}:
    parameters: [{ name: id, in: path, required: true, schema: { type: integer } }]
    put:
      operationId: putNote
      requestBody: { required: true, content: { application/json: { schema: { type: object, properties: { text: { type: string } } } } } }
      responses: { "200": { description: stored, content: { application/json: { schema: { type: object, properties: { stored: { type: boolean } } } } } } }
`;

/** A page server: every path answers the same page, which calls `target()` and writes the outcome into its title. */
async function pageServer(target: () => string): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><title>pending</title><script>
      fetch(${JSON.stringify(target())}, { method: 'PUT', headers: { 'content-type': 'application/json', 'x-client': 'notes-app' }, body: '{"text":"hi"}' })
        .then((r) => r.json().then((b) => { document.title = 'answered ' + r.status + ' ' + JSON.stringify(b); }))
        .catch(() => { document.title = 'blocked'; });
    </script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The page's title once its script has run, read from the DOM headless Chromium dumps. */
async function titleOf(url: string, profile: string): Promise<string> {
  const { stdout } = await run(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', `--user-data-dir=${profile}`,
    // This machine has no network beyond loopback: Chromium's own background traffic only fails.
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    // Virtual time runs until the page is idle (its fetch settled), however loaded the machine.
    '--virtual-time-budget=10000', '--dump-dom', url,
  ], { timeout: 60_000 });
  return /<title>(.*?)<\/title>/s.exec(stdout)?.[1] ?? '';
}

let upstream: TestUpstream;
let gw: StartedGateway;
let allowed: { origin: string; server: Server };
let other: { origin: string; server: Server };

beforeAll(async () => {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is needed for the browser test`).toBe(true);
  upstream = await startUpstream((_req, res) => json(res, 200, { stored: true }));
  const dir = await scratchDir('gh-cors-browser-');
  await writeFiles(dir, { 'notes.yaml': SPEC });
  // The pages' origins go into the gateway's config; the gateway's address into the pages.
  const target = (): string => `${gw.url}/notes/1`;
  allowed = await pageServer(target);
  other = await pageServer(target);
  gw = await startGateway(dir, configYaml({
    spec: path.join(dir, 'notes.yaml'),
    upstream: upstream.url,
    policies: `      cors: { origins: ["${allowed.origin}"], methods: [PUT], headers: [content-type, x-client] }`,
  }));
}, 60_000);

afterAll(async () => {
  allowed?.server.close();
  other?.server.close();
  await gw?.close();
  await upstream?.close();
});

describe('CORS in a real browser', () => {
  it('lets the page on the listed origin make its preflighted PUT and read the answer', async () => {
    const title = await titleOf(`${allowed.origin}/`, await scratchDir('gh-chromium-'));
    expect(title).toBe('answered 200 {"stored":true}');
    const preflight = gw.logs.find((l) => l.msg === 'request' && l.method === 'OPTIONS');
    expect(preflight).toMatchObject({ status: 204 });
    expect(upstream.requests.some((r) => r.method === 'PUT' && r.headers['x-client'] === 'notes-app')).toBe(true);
  }, 90_000);

  it('stops the same page on another origin: the browser sees the refusal, the upstream nothing', async () => {
    const before = upstream.requests.length;
    const title = await titleOf(`${other.origin}/`, await scratchDir('gh-chromium-'));
    expect(title).toBe('blocked');
    expect(upstream.requests.length).toBe(before);
    expect(gw.logs.some((l) => l.msg === 'request' && l.method === 'OPTIONS' && l.status === 403 && l.code === 'GH_CORS_ORIGIN_NOT_ALLOWED')).toBe(true);
  }, 90_000);
});
