import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Pool } from 'undici';

/** The middle value (the upper middle for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** CPU time (user + system) a process has used so far, in µs, from /proc (Linux); NaN elsewhere. */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU µs of a process and its direct children, from /proc: nginx's master and workers, or a
 * `workers: N` primary and its worker processes.
 */
export function treeCpu(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  let total = cpuMicros(pid);
  for (const child of childrenOf(pid)) total += cpuMicros(child);
  return total;
}

/** The direct children of a process, from /proc (Linux). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid) out.push(Number(entry));
    } catch { /* the process ended while we looked */ }
  }
  return out;
}

/** Resident set size of a process (or this one), in MiB, from /proc (Linux). */
export function rssMiB(pid: number | 'self' = 'self'): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) / 1024;
}

export interface LoadSample { rps: number; cpuUsPerRequest: number; requests: number }

/**
 * Throughput at 32 connections, and the target's own CPU time per request: on a machine shared
 * with other work the second is the steadier figure (contention slows everything but not the
 * CPU each request takes). `cpu` reads the target's CPU; a process tree for nginx's workers.
 */
export async function loadWithCpu(
  target: { port: number; child: ChildProcess }, method: 'GET' | 'POST', path: string, seconds: number,
  options: { body?: string; headers?: Record<string, string>; cpu?: (pid: number | undefined) => number } = {},
): Promise<LoadSample> {
  const cpu = options.cpu ?? cpuMicros;
  const before = cpu(target.child.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}${path}`, method, connections: 32, duration: seconds,
    headers: { ...options.headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' && options.body !== undefined ? { body: options.body } : {}),
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${method} ${path} on port ${target.port}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  return { rps: result.requests.average, requests: result.requests.total, cpuUsPerRequest: (cpu(target.child.pid) - before) / Math.max(1, result.requests.total) };
}

export interface OpenLoopResult {
  /** ms from sending to the whole answer, for every request answered (whatever its status). */
  readonly latencies: number[];
  readonly sent: number;
  /** Answers with a status of 300 or more. */
  readonly non2xx: number;
  /** Requests that got no answer (connection refused, reset). */
  readonly errors: number;
  readonly elapsedMs: number;
}

/**
 * `rate` requests per second on a schedule over 32 connections for `seconds`: open loop, each
 * sent when it is due, not when the previous answer came back, so queueing shows.
 */
export async function openLoop(port: number, method: 'GET' | 'POST', path: string, rate: number, seconds: number, options: { headers?: Record<string, string>; body?: string } = {}): Promise<OpenLoopResult> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 });
  const headers = { ...options.headers, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) };
  const body = method === 'POST' ? options.body ?? null : null;
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  let non2xx = 0;
  let errors = 0;
  const started = performance.now();
  let sent = 0;
  try {
    while (performance.now() - started < seconds * 1000) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      for (; sent < due; sent++) {
        const t0 = performance.now();
        inflight.push(pool.request({ method, path, headers, body }).then(async (res) => {
          await res.body.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (res.statusCode >= 300) non2xx++;
        }, () => { errors++; }));
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(inflight);
  } finally {
    await pool.close();
  }
  return { latencies, sent, non2xx, errors, elapsedMs: performance.now() - started };
}
