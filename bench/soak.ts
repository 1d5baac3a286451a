/**
 * Soak: the gateway with everything on under a steady, paced load for SOAK_MINUTES (30 by
 * default), its resident memory and open file descriptors sampled every SOAK_SAMPLE_SECONDS (30).
 * Flat means the last third's mean is within a few MiB of the second third's, and the
 * descriptors do not climb. Bounded: the load stops at the deadline, every process is killed.
 *   npm run bench -- soak          (SOAK_MINUTES=5 SOAK_RATE=300 for a short run)
 */
import { readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { fullStackConfig } from './full-stack.js';
import { rssMiB } from './measure.js';
import { startRole } from './proxy-bench.js';
import { ITEM } from './servers.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const RATE = Number(process.env.SOAK_RATE ?? 500);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30);

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-soak-'));
  // Many subjects, so rate-limit buckets, token cache and inventory see more than one caller.
  const { yaml, tokens } = await fullStackConfig(dir, { subjects: 200, ttlSeconds: (MINUTES + 10) * 60 });
  const up = await startRole('upstream');
  const gh = await startRole('gatehouse', `http://127.0.0.1:${up.port}`, yaml);
  const pid = gh.child.pid as number;
  const pool = new Pool(`http://127.0.0.1:${gh.port}`, { connections: 16, pipelining: 1 });
  const body = JSON.stringify(ITEM);
  const samples: { minute: number; rss: number; fds: number }[] = [];
  let sent = 0;
  let failed = 0;
  const started = performance.now();
  const deadline = started + MINUTES * 60_000;
  let nextSample = started;
  try {
    while (performance.now() < deadline) {
      const due = Math.floor(((performance.now() - started) / 1000) * RATE);
      for (; sent < due; sent++) {
        const post = sent % 4 === 0;
        const token = tokens[sent % tokens.length] as string;
        pool.request({
          method: post ? 'POST' : 'GET', path: post ? '/items' : `/items/${(sent % 900) + 1}?fields=name`,
          headers: { authorization: `Bearer ${token}`, ...(post ? { 'content-type': 'application/json' } : {}) }, body: post ? body : null,
        }).then(async (res) => { await res.body.arrayBuffer(); if (res.statusCode >= 300) failed++; }, () => { failed++; });
      }
      if (performance.now() >= nextSample) {
        samples.push({ minute: (performance.now() - started) / 60_000, rss: rssMiB(pid), fds: openFds(pid) });
        nextSample += SAMPLE_SECONDS * 1000;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await pool.close().catch(() => undefined);
    gh.child.kill();
    up.child.kill();
  }
  const third = Math.max(1, Math.floor(samples.length / 3));
  const middle = samples.slice(third, 2 * third);
  const last = samples.slice(2 * third);
  console.log(`  ${MINUTES} min at ${RATE} req/s (3 GET : 1 POST, 200 JWT subjects): ${sent} requests, ${failed} not 2xx`);
  console.log(`  RSS MiB: first ${samples[0]?.rss.toFixed(1)}, max ${Math.max(...samples.map((s) => s.rss)).toFixed(1)}, middle third mean ${mean(middle.map((s) => s.rss)).toFixed(1)}, last third mean ${mean(last.map((s) => s.rss)).toFixed(1)}`);
  console.log(`  open descriptors: first ${samples[0]?.fds}, max ${Math.max(...samples.map((s) => s.fds))}, last ${samples[samples.length - 1]?.fds}`);
  console.log(`  samples (minute: RSS MiB / fds): ${samples.map((s) => `${s.minute.toFixed(1)}: ${s.rss.toFixed(0)}/${s.fds}`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
  process.exit(0);
}
