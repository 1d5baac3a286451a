/**
 * `workers: N` against one process, in CPU time per request (issue 17: 2 workers within 10 % of
 * one worker). Each variant is a real `gatehouse start` process (dist/src/cli/main.js) in front
 * of the bench upstream with everything on (full-stack.ts: ES256 JWT + scopes, contract both
 * ways, a rate limit per identity, the injection guard, inventory and decision trail):
 *   single process  — no `workers` key: the gateway serves in the process that started
 *   workers: 1      — a primary and one worker
 *   workers: 2      — a primary and two workers
 * on the memory store (under workers it lives in the primary: every counter step, kv call and
 * record batch is an IPC round trip) and on Redis (each worker has its own connections; the
 * primary only supervises).
 *
 * The figure is the CPU of the whole process tree (primary + workers, read from /proc) per
 * request served, in interleaved rounds (BENCH_SECONDS, BENCH_ROUNDS), two ways: saturated (32
 * connections as fast as they go: req/s is printed too, but on a 2-core machine shared with the
 * load generator and the upstream it measures the machine, not how the workers scale, and more
 * processes than cores inflate everyone's CPU per request) and at a fixed rate well below every
 * variant's saturation (WORKERS_BENCH_RATE, 1000/s, open loop over 32 connections), where no
 * process is short of a core.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { fullStackConfig } from './full-stack.js';
import { cpuMicros, loadWithCpu, median, openLoop, treeCpu } from './measure.js';
import { startRole } from './proxy-bench.js';
import { ITEM } from './servers.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SPEC = fileURLToPath(new URL('../../bench/fixtures/bench-api.yaml', import.meta.url));
const REDIS_URL = process.env.GH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** How long a gateway may take to start, and to stop before it is killed. */
const START_MS = 60_000;
const STOP_MS = 15_000;

interface Variant { readonly name: string; readonly workers: number | undefined }
interface Running { readonly name: string; readonly port: number; readonly child: ChildProcess }
interface Sample { readonly cpu: number; readonly primaryCpu: number; readonly rps: number }
type Method = 'GET' | 'POST';

const VARIANTS: readonly Variant[] = [
  { name: 'single process', workers: undefined },
  { name: 'workers: 1', workers: 1 },
  { name: 'workers: 2', workers: 2 },
];

/** Starts `gatehouse start` on `yaml` and resolves once every worker serves (the log line that says so). */
async function startGatehouse(name: string, file: string, yaml: string, workers: number | undefined): Promise<Running> {
  await writeFile(file, yaml);
  const child = spawn(process.execPath, [MAIN, 'start', '--config', file, '--no-watch'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const started = workers === undefined ? 'gateway started' : 'workers started';
  return new Promise((resolve, reject) => {
    let partial = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${name}: not serving after ${START_MS} ms`)); }, START_MS);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${name}: exited with ${String(code)} before serving`)); });
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        let line: { msg?: string; http?: { port?: number } };
        try { line = JSON.parse(raw) as typeof line; } catch { continue; }
        if (line.msg !== started || line.http?.port === undefined) continue;
        clearTimeout(timer);
        // Nothing more is read: the rest of the output is drained, not kept.
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ name, port: line.http.port, child });
      }
    });
  });
}

async function stopGatehouse(running: ChildProcess): Promise<void> {
  if (running.exitCode !== null || running.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
  running.kill('SIGTERM');
  const timer = setTimeout(() => running.kill('SIGKILL'), STOP_MS);
  await exited;
  clearTimeout(timer);
}

function configYaml(upstream: string, store: string, workers: number | undefined, fullStack: string): string {
  return [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    `store: ${store}`,
    // Info for the start line that carries the port; no access line per request.
    'logging: { level: info, access: false }',
    'limits: { keepAliveTimeout: 60s }',
    'shutdown: { drainDelay: 0s, timeout: 2s }',
    ...(workers === undefined ? [] : [`workers: ${workers}`]),
    'apis:',
    '  - name: bench',
    `    spec: ${SPEC}`,
    `    upstream: { url: "${upstream}", connections: 128 }`,
    '    policies:',
    '      contract: { mode: enforce, unknownFields: reject, responses: strip }',
    fullStack,
  ].join('\n') + '\n';
}

/**
 * `rate` requests per second on a schedule over 32 connections for `seconds` (open loop): the
 * process tree's CPU per request when it is not saturated. Every answer must be a 2xx.
 */
async function paced(g: Running, method: Method, urlPath: string, headers: Record<string, string>, body: string, rate: number, seconds: number): Promise<Sample> {
  const treeBefore = treeCpu(g.child.pid);
  const primaryBefore = cpuMicros(g.child.pid);
  const r = await openLoop(g.port, method, urlPath, rate, seconds, { headers, body });
  const failed = r.non2xx + r.errors;
  if (failed > 0) throw new Error(`${g.name}: ${failed} of ${r.sent} paced requests failed`);
  return { cpu: (treeCpu(g.child.pid) - treeBefore) / r.sent, primaryCpu: (cpuMicros(g.child.pid) - primaryBefore) / r.sent, rps: r.sent / (r.elapsedMs / 1000) };
}

/** Deletes every key under `prefix` (the bench's records and counters), whatever happened. */
async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export async function runWorkersBench(): Promise<string[]> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
  const rate = Number(process.env.WORKERS_BENCH_RATE ?? 1000);
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-workers-'));
  const up = await startRole('upstream');
  const target = `http://127.0.0.1:${up.port}`;
  const full = await fullStackConfig(dir, { subjects: 1, ttlSeconds: 3600 });
  const headers = { authorization: `Bearer ${full.tokens[0] ?? ''}` };
  const body = JSON.stringify(ITEM);
  const prefix = `gh:bench:workers:${randomUUID()}:`;
  const stores = [
    { label: 'memory store', yaml: '{ memory: {} }' },
    { label: 'Redis store', yaml: `{ redis: { url: "${REDIS_URL}", prefix: "${prefix}" } }` },
  ];
  const lines: string[] = [`${rounds} interleaved rounds of ${seconds} s per way, medians; CPU = the whole process tree (primary + workers)`];
  const running: Running[] = [];
  try {
    for (const store of stores) {
      for (const v of VARIANTS) {
        const file = path.join(dir, `${store.label.split(' ')[0] ?? 'store'}-${v.workers ?? 'single'}.yaml`);
        running.push(await startGatehouse(v.name, file, configYaml(target, store.yaml, v.workers, full.yaml), v.workers));
      }
      for (const [label, method, urlPath] of [['GET /items/{id}', 'GET', '/items/42?fields=name'], ['POST /items (1 KB JSON)', 'POST', '/items']] as const) {
        const saturated = async (g: Running, s: number): Promise<Sample> => {
          const primaryBefore = cpuMicros(g.child.pid);
          const sample = await loadWithCpu(g, method, urlPath, s, { body, headers, cpu: treeCpu });
          return { cpu: sample.cpuUsPerRequest, primaryCpu: (cpuMicros(g.child.pid) - primaryBefore) / Math.max(1, sample.requests), rps: sample.rps };
        };
        const atRate = (g: Running, s: number): Promise<Sample> => paced(g, method, urlPath, headers, body, rate, s);
        for (const g of running) await saturated(g, 1);
        for (const [how, load] of [['saturated, 32 connections', saturated], [`at ${rate} req/s, open loop`, atRate]] as const) {
          const samples = new Map<string, Sample[]>(running.map((g) => [g.name, []]));
          for (let round = 0; round < rounds; round++) {
            // A different order each round, so drift of a shared machine falls on every variant alike.
            const order = running.map((_, i) => running[(i + round) % running.length] as Running);
            for (const g of order) samples.get(g.name)?.push(await load(g, seconds));
          }
          const one = median((samples.get('workers: 1') ?? []).map((x) => x.cpu));
          lines.push(`${store.label}, ${label}, ${how}`);
          for (const g of running) {
            const s = samples.get(g.name) ?? [];
            const cpu = median(s.map((x) => x.cpu));
            const primary = g.name === 'single process' ? '' : `   (primary ${median(s.map((x) => x.primaryCpu)).toFixed(1)} µs of it)`;
            lines.push(`  ${g.name.padEnd(16)} ${median(s.map((x) => x.rps)).toFixed(0).padStart(6)} req/s   ${cpu.toFixed(1).padStart(6)} µs CPU/request   ${(cpu / one).toFixed(2)}× workers: 1${primary}`);
          }
        }
      }
      for (const g of running.splice(0)) await stopGatehouse(g.child);
    }
    return lines;
  } finally {
    await Promise.all(running.map((g) => stopGatehouse(g.child)));
    up.child.kill('SIGTERM');
    await dropPrefix(prefix).catch((error: unknown) => console.error(`could not delete the bench's Redis keys under ${prefix}: ${String(error)}`));
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    for (const line of await runWorkersBench()) console.log(line);
    process.exitCode = 0;
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
  process.exit();
}
