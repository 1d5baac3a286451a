/**
 * Gatehouse beside the proxies a team would otherwise run, same upstream, same client, same run:
 * the floor (node:http + undici pass-through), fastify with @fastify/http-proxy, nginx and
 * haproxy when they are installed (`apt-get install nginx haproxy`; skipped with a note when not),
 * Gatehouse as a plain proxy (contract and authentication off) and Gatehouse with everything on
 * (ES256 JWT + scopes, contract both ways, rate limit, injection guard, inventory, decision trail).
 *
 * Every peer runs one worker on one core, as the gateway does without `workers`: the figures
 * compare the cost of a request, not how many cores each can use.
 *
 * Figures, per role: req/s at 32 connections (interleaved rounds, median), CPU µs per request of
 * the role's whole process tree (read from /proc), and "× floor, CPU-normalised" = floor µs /
 * role µs (higher is better; the targets are plain >= 1.0, everything on >= 0.9). Then
 * latency at half the floor's saturation throughput, open loop (requests sent on a schedule, not
 * when the previous answer came back, so queueing shows): p50 and p99, and p99 added over the
 * floor's.
 *
 * `PEERS=plain,full` (any of fastify, nginx, haproxy, plain, full) measures only those beside the
 * floor, and `PEERS_LATENCY=0` skips the latency table: a quicker before/after of one change.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fullStackConfig } from './full-stack.js';
import { childrenOf, loadWithCpu, median, openLoop, treeCpu, type LoadSample } from './measure.js';
import { startRole } from './proxy-bench.js';
import { ITEM } from './servers.js';

interface Peer { readonly name: string; readonly port: number; readonly child: ChildProcess; readonly headers?: Record<string, string> }

const installed = (binary: string): string | undefined => ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'].map((d) => path.join(d, binary)).find((p) => existsSync(p));

/**
 * Core pinning (BENCH_PIN, on by default where taskset and two or more cores exist): the load
 * generator and the upstream on core 0, the peer under test alone on core 1, every thread of
 * it. The peer's CPU per request then does not depend on how the scheduler shares a core with
 * the client, and "half the floor's saturation" is a load the peer's own core carries.
 */
const pinning = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2 && installed('taskset') !== undefined;

function pin(pid: number | undefined, core: number): void {
  if (!pinning || pid === undefined) return;
  for (const p of [pid, ...childrenOf(pid)]) spawnSync('taskset', ['-a', '-p', '-c', String(core), String(p)], { stdio: 'ignore' });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function listening(port: number, child: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

async function startNginx(dir: string, upstreamPort: number): Promise<Peer | undefined> {
  const binary = installed('nginx');
  if (binary === undefined) return undefined;
  const port = await freePort();
  const root = path.join(dir, 'nginx');
  await mkdir(root, { recursive: true });
  const conf = `
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${root}/body; proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fastcgi; uwsgi_temp_path ${root}/uwsgi; scgi_temp_path ${root}/scgi;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 1000000; keepalive_timeout 60s;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
  await writeFile(path.join(root, 'nginx.conf'), conf);
  const child = spawn(binary, ['-c', path.join(root, 'nginx.conf'), '-p', root, '-g', process.getuid?.() === 0 ? 'daemon off; user root;' : 'daemon off;'], { stdio: ['ignore', 'ignore', 'inherit'] });
  await listening(port, child, 'nginx');
  return { name: 'nginx (1 worker)', port, child };
}

async function startHaproxy(dir: string, upstreamPort: number): Promise<Peer | undefined> {
  const binary = installed('haproxy');
  if (binary === undefined) return undefined;
  const port = await freePort();
  const cfg = path.join(dir, 'haproxy.cfg');
  await writeFile(cfg, `
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server s1 127.0.0.1:${upstreamPort} maxconn 128
`);
  const child = spawn(binary, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'inherit'] });
  await listening(port, child, 'haproxy');
  return { name: 'haproxy (1 thread)', port, child };
}

/** Open-loop latency (bench/measure.ts openLoop): `rate` requests per second over 32 connections, for `seconds`. */
async function pacedLatency(peer: Peer, method: 'GET' | 'POST', urlPath: string, body: string, rate: number, seconds: number): Promise<{ p50: number; p99: number }> {
  const r = await openLoop(peer.port, method, urlPath, rate, seconds, { ...(peer.headers === undefined ? {} : { headers: peer.headers }), body });
  if (r.errors > 0) throw new Error(`${peer.name}: ${r.errors} of ${r.sent} paced requests got no answer`);
  const samples = r.latencies;
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

export async function runPeersBench(): Promise<string[]> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-peers-'));
  // Pinned before anything starts, so the upstream (a child) inherits core 0.
  pin(process.pid, 0);
  const up = await startRole('upstream');
  const target = `http://127.0.0.1:${up.port}`;
  const full = await fullStackConfig(dir, { subjects: 1, ttlSeconds: 3600 });
  const peers: Peer[] = [];
  const notes: string[] = [];
  // PEERS=plain,full (say) measures only those beside the floor, for a quicker before/after.
  const only = process.env.PEERS?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const wanted = (key: string): boolean => only === undefined || only.includes(key);
  try {
    peers.push({ name: 'floor (node:http + undici)', ...(await startRole('floor', target)) });
    if (wanted('fastify')) peers.push({ name: 'fastify + @fastify/http-proxy', ...(await startRole('fastify', target)) });
    const nginx = wanted('nginx') ? await startNginx(dir, up.port) : undefined;
    if (nginx === undefined) { if (wanted('nginx')) notes.push('nginx: not installed, skipped (apt-get install nginx)'); } else peers.push(nginx);
    const haproxy = wanted('haproxy') ? await startHaproxy(dir, up.port) : undefined;
    if (haproxy === undefined) { if (wanted('haproxy')) notes.push('haproxy: not installed, skipped (apt-get install haproxy)'); } else peers.push(haproxy);
    if (wanted('plain')) peers.push({ name: 'gatehouse, plain proxy', ...(await startRole('gatehouse-plain', target)) });
    if (wanted('full')) peers.push({ name: 'gatehouse, everything on', ...(await startRole('gatehouse', target, full.yaml)), headers: { authorization: `Bearer ${full.tokens[0] ?? ''}` } });
    for (const p of peers) pin(p.child.pid, 1);
    const body = JSON.stringify(ITEM);
    const lines: string[] = [...notes, pinning ? 'pinned: load generator and upstream on core 0, the peer under test alone on core 1' : 'not pinned (BENCH_PIN=0, one core, or no taskset): every process shares every core'];
    for (const [label, method, urlPath] of [['GET /items/{id}', 'GET', '/items/42?fields=name'], ['POST /items (1 KB JSON)', 'POST', '/items']] as const) {
      const load = (p: Peer, seconds: number): Promise<LoadSample> => loadWithCpu(p, method, urlPath, seconds, { body, ...(p.headers === undefined ? {} : { headers: p.headers }), cpu: treeCpu });
      for (const p of peers) await load(p, 1);
      const samples = new Map<string, LoadSample[]>(peers.map((p) => [p.name, []]));
      for (let round = 0; round < rounds; round++) {
        // A different order each round, so drift of a shared machine falls on every peer alike.
        const order = peers.map((_, i) => peers[(i + round) % peers.length] as Peer);
        for (const p of order) samples.get(p.name)?.push(await load(p, seconds));
      }
      const floorName = peers[0]?.name ?? '';
      const floorCpu = median((samples.get(floorName) ?? []).map((s) => s.cpuUsPerRequest));
      const floorRps = median((samples.get(floorName) ?? []).map((s) => s.rps));
      lines.push(`${label}  (32 connections, ${rounds} interleaved rounds of ${seconds} s, medians)`);
      for (const p of peers) {
        const s = samples.get(p.name) ?? [];
        const cpu = median(s.map((x) => x.cpuUsPerRequest));
        const rps = median(s.map((x) => x.rps));
        lines.push(`  ${p.name.padEnd(38)} ${rps.toFixed(0).padStart(7)} req/s (${(rps / floorRps).toFixed(2)}× floor)   ${cpu.toFixed(1).padStart(6)} µs CPU/request   ${(floorCpu / cpu).toFixed(2)}× floor, CPU-normalised`);
      }
      if (process.env.PEERS_LATENCY === '0') continue;
      const rate = Math.round(floorRps / 2);
      const floorLatency = await pacedLatency(peers[0] as Peer, method, urlPath, body, rate, seconds);
      lines.push(`  latency at ${rate} req/s (half the floor's saturation), open loop, ${seconds} s each:`);
      for (const p of peers) {
        const l = p === peers[0] ? floorLatency : await pacedLatency(p, method, urlPath, body, rate, seconds);
        lines.push(`    ${p.name.padEnd(38)} p50 ${l.p50.toFixed(3)} ms   p99 ${l.p99.toFixed(3)} ms   added p99 ${(l.p99 - floorLatency.p99).toFixed(3)} ms`);
      }
    }
    return lines;
  } finally {
    for (const p of [up, ...peers]) p.child.kill('SIGTERM');
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await runPeersBench()) console.log(line);
  process.exit(0);
}
