import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Client } from 'undici';
import { ITEM } from './servers.js';
import { cpuMicros, median } from './measure.js';

interface Measured { rps: number; total: number; p50: number; p99: number }

const SERVERS = fileURLToPath(new URL('./servers.js', import.meta.url));

/** Starts one role of bench/servers.ts in its own process; resolves with the port it listens on. */
export function startRole(role: string, ...args: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [SERVERS, role, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', (line) => resolve({ port: (JSON.parse(line) as { port: number }).port, child }));
    child.once('exit', (code) => reject(new Error(`${role} exited with ${code ?? 'signal'}`)));
  });
}

async function load(url: string, options: { method: 'GET' | 'POST'; body?: string; connections: number; seconds: number; headers?: Record<string, string> }): Promise<Measured> {
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) };
  const result = await autocannon({
    url,
    method: options.method,
    connections: options.connections,
    duration: options.seconds,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, total: result.requests.total, p50: result.latency.p50, p99: result.latency.p99 };
}

/**
 * Latency without queueing: one keep-alive connection, requests one after another, each timed
 * with the high-resolution clock (autocannon rounds to whole milliseconds).
 */
async function sequentialLatency(origin: string, path: string, options: { method: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; count: number }): Promise<{ p50: number; p99: number }> {
  const client = new Client(origin, { pipelining: 1 });
  const samples: number[] = [];
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) };
  try {
    for (let i = 0; i < options.count; i++) {
      const started = process.hrtime.bigint();
      const res = await client.request({ method: options.method, path, headers, body: options.body ?? null });
      await res.body.arrayBuffer();
      if (res.statusCode >= 300) throw new Error(`${origin}${path}: status ${res.statusCode}`);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    await client.close();
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { p50: at(0.5), p99: at(0.99) };
}

/**
 * Gatehouse against the floor (a minimal undici pass-through proxy), same upstream, same
 * client, same run. Throughput at 32 connections, in interleaved rounds (floor, gatehouse, then
 * gatehouse, floor, ...) so that drift in a shared machine's speed falls on both alike; the
 * ratio printed is the median of the rounds' ratios. Each proxy's CPU time per request, read from
 * /proc, is printed beside it: on a busy machine it is the steadier of the two figures. Latency at
 * 1 connection, where queueing does not hide the per-request cost.
 */
export async function runProxyBench(options: { seconds?: number; rounds?: number; extraYaml?: string; label?: string; headers?: Record<string, string> } = {}): Promise<string[]> {
  const seconds = options.seconds ?? Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = options.rounds ?? Number(process.env.BENCH_ROUNDS ?? 6);
  const up = await startRole('upstream');
  const target = `http://127.0.0.1:${up.port}`;
  const floor = await startRole('floor', target);
  const gh = await startRole('gatehouse', target, options.extraYaml ?? '');
  const body = JSON.stringify(ITEM);
  const lines: string[] = [];
  try {
    for (const [name, method, path] of [['GET /items/{id}', 'GET', '/items/42?fields=name'], ['POST /items (1 KB JSON)', 'POST', '/items']] as const) {
      const run = async (port: number, connections: number, s: number): Promise<Measured> =>
        load(`http://127.0.0.1:${port}${path}`, { method, ...(method === 'POST' ? { body } : {}), ...(options.headers === undefined ? {} : { headers: options.headers }), connections, seconds: s });
      // Warm up JIT and connection pools.
      await run(floor.port, 8, 1);
      await run(gh.port, 8, 1);
      const direct = await run(up.port, 32, seconds);
      const measured = { floor: [] as Measured[], gatehouse: [] as Measured[] };
      const cpu = { floor: [] as number[], gatehouse: [] as number[] };
      // The load generator shares the cores: what it spends per answer (parsing headers with a
      // JavaScript HTTP parser, mostly) is CPU the proxies do not get.
      const client = { floor: [] as number[], gatehouse: [] as number[] };
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 === 0 ? (['floor', 'gatehouse'] as const) : (['gatehouse', 'floor'] as const);
        for (const role of order) {
          const proc = role === 'floor' ? floor : gh;
          const before = cpuMicros(proc.child.pid);
          const ownBefore = process.cpuUsage();
          const m = await run(proc.port, 32, seconds / rounds * 2);
          const own = process.cpuUsage(ownBefore);
          const after = cpuMicros(proc.child.pid);
          measured[role].push(m);
          if (m.total > 0) client[role].push((own.user + own.system) / m.total);
          if (Number.isFinite(before) && Number.isFinite(after) && m.total > 0) cpu[role].push((after - before) / m.total);
        }
      }
      const ratios = measured.floor.map((f, i) => (measured.gatehouse[i]?.rps ?? 0) / f.rps * 100);
      const f = median(measured.floor.map((m) => m.rps));
      const g = median(measured.gatehouse.map((m) => m.rps));
      const latency = (port: number): Promise<{ p50: number; p99: number }> => sequentialLatency(`http://127.0.0.1:${port}`, path, { method, ...(method === 'POST' ? { body } : {}), ...(options.headers === undefined ? {} : { headers: options.headers }), count: 2000 });
      const fl = await latency(floor.port);
      const gl = await latency(gh.port);
      const perRequest = (xs: number[]): string => (xs.length === 0 ? '' : `   ${median(xs).toFixed(0).padStart(4)} µs CPU/request`);
      lines.push(
        `${options.label ?? 'contract'} ${name}`,
        `  upstream direct   ${direct.rps.toFixed(0).padStart(7)} req/s`,
        `  floor (undici)    ${f.toFixed(0).padStart(7)} req/s${perRequest(cpu.floor)}   p50 ${fl.p50.toFixed(3)} ms  p99 ${fl.p99.toFixed(3)} ms (1 connection, sequential)`,
        `  gatehouse         ${g.toFixed(0).padStart(7)} req/s${perRequest(cpu.gatehouse)}   p50 ${gl.p50.toFixed(3)} ms  p99 ${gl.p99.toFixed(3)} ms (1 connection, sequential)`,
        `  load generator    ${median(client.floor).toFixed(0)} µs CPU/request against the floor, ${median(client.gatehouse).toFixed(0)} against gatehouse`,
        `  ratio gatehouse / floor: ${median(ratios).toFixed(1)} % (median of ${rounds} interleaved rounds: ${ratios.map((r) => r.toFixed(0)).join(', ')})   added p50: ${(gl.p50 - fl.p50).toFixed(2)} ms`,
      );
    }
  } finally {
    for (const p of [up, floor, gh]) p.child.kill();
  }
  return lines;
}
