import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { configYaml, scratchDir, writeFiles } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * Graceful shutdown of a real `gatehouse start` process under SIGTERM, with keep-alive clients
 * sending all the time. A load balancer stops sending to an instance once its readiness check
 * fails; the clients here do the same (they poll /readyz), and not one request may fail.
 */

const spec = fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url));
let upstream: TestUpstream;
const held: ServerResponse[] = [];
const processes: CliProcess[] = [];

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/v1/pets/99') { held.push(res); return; }
    json(res, 200, { id: 1, name: 'Rex' });
  });
});
afterEach(() => {
  for (const p of processes.splice(0)) if (p.child.exitCode === null) p.child.kill('SIGKILL');
});
afterAll(async () => {
  for (const res of held.splice(0)) json(res, 200, { id: 99, name: 'Late' });
  await upstream.close();
});

async function startGatehouse(shutdown: string): Promise<{ cli: CliProcess; url: string; admin: string; port: number }> {
  const dir = await scratchDir('gh-shutdown-');
  const file = path.join(dir, 'gatehouse.yaml');
  await writeFiles(dir, { 'gatehouse.yaml': `${configYaml({ spec, upstream: upstream.url, extra: `shutdown: ${shutdown}` })}\n` });
  const cli = startCli(['start', '--config', file]);
  processes.push(cli);
  const started = await cli.line((l) => l.msg === 'gateway started');
  const http = started.http as { port: number };
  const admin = started.admin as { port: number };
  return { cli, url: `http://127.0.0.1:${http.port}`, admin: `http://127.0.0.1:${admin.port}`, port: http.port };
}

/** True while the port accepts TCP connections. */
function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
}

describe('SIGTERM under keep-alive load', () => {
  it('fails no request of clients that follow readiness, and serves through the drain delay', async () => {
    const gw = await startGatehouse('{ drainDelay: 3s, timeout: 5s }');
    const pool = new Pool(gw.url, { connections: 4, pipelining: 1, keepAliveTimeout: 30_000 });
    let stop = false;
    let sigtermSent = false;
    const counts = { ok: 0, okAfterSigterm: 0, closeHeaders: 0, errors: [] as string[] };
    // The balancer: readiness every 20 ms; on the first 503 no new request is sent.
    const balancer = (async () => {
      while (!stop) {
        try {
          if ((await fetch(`${gw.admin}/readyz`)).status === 503) stop = true;
        } catch {
          stop = true;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const worker = async (): Promise<void> => {
      while (!stop) {
        try {
          const res = await pool.request({ path: '/v1/pets/1', method: 'GET' });
          await res.body.text();
          if (res.statusCode !== 200) counts.errors.push(`status ${res.statusCode}`);
          counts.ok++;
          if (sigtermSent) counts.okAfterSigterm++;
          if (res.headers.connection === 'close') counts.closeHeaders++;
        } catch (error) {
          counts.errors.push((error as NodeJS.ErrnoException).code ?? (error as Error).message);
        }
      }
    };
    const workers = Array.from({ length: 6 }, () => worker());
    await expect.poll(() => counts.ok, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(200);
    sigtermSent = true;
    gw.cli.child.kill('SIGTERM');
    await Promise.all([balancer, ...workers]);
    expect(await gw.cli.exited).toBe(0);
    await pool.close();
    expect(counts.errors).toEqual([]);
    // Counted work, not time: requests answered after the signal, each telling its client to go.
    expect(counts.okAfterSigterm).toBeGreaterThan(0);
    expect(counts.closeHeaders).toBeGreaterThan(0);
    expect(gw.cli.logs.some((l) => l.msg === 'draining: readiness is 503, serving until the delay ends')).toBe(true);
  });

  it('finishes a request in flight after it stops accepting, telling its client to close', async () => {
    const gw = await startGatehouse('{ drainDelay: 300ms, timeout: 30s }');
    const pool = new Pool(gw.url, { connections: 1 });
    const inFlight = pool.request({ path: '/v1/pets/99', method: 'GET' });
    await expect.poll(() => held.length, { timeout: 10_000 }).toBe(1);
    gw.cli.child.kill('SIGTERM');
    await expect.poll(() => fetch(`${gw.admin}/readyz`).then((r) => r.status, () => 0)).toBe(503);
    // After the delay: no new connection is accepted, the held request is still in flight.
    await expect.poll(() => accepting(gw.port), { timeout: 10_000 }).toBe(false);
    expect(gw.cli.child.exitCode).toBeNull();
    for (const res of held.splice(0)) json(res, 200, { id: 99, name: 'Late' });
    const res = await inFlight;
    expect(res.statusCode).toBe(200);
    expect(res.headers.connection).toBe('close');
    expect(await res.body.json()).toMatchObject({ id: 99 });
    expect(await gw.cli.exited).toBe(0);
    await pool.close();
  });
});
