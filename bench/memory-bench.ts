/**
 * Memory the gateway holds for its config: resident set size after start and a full GC, with the
 * bench's small spec and with GitHub's REST description (13 MB, ~1,200 operations), each in a
 * fresh process; the difference over the operations gives RSS per 1,000 operations.
 *   npm run bench -- memory        (GITHUB_SPEC=path to use another large spec)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfig } from '../src/config/index.js';
import { Gateway } from '../src/gateway/gateway.js';
import { loadSpec } from '../src/openapi/index.js';
import { rssMiB } from './measure.js';

const SMALL = fileURLToPath(new URL('../../bench/fixtures/bench-api.yaml', import.meta.url));
const GITHUB = process.env.GITHUB_SPEC ?? fileURLToPath(new URL('../../../shared/corpora/specs/openapi-3.0/github__api.github.com.json', import.meta.url));

interface Reading { operations: number; rssMiB: number; heapMiB: number; startMs: number }

/** In the child: start a gateway on `spec`, settle, collect garbage, report. */
async function child(spec: string): Promise<void> {
  const t0 = performance.now();
  const yaml = [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { enabled: false }',
    'store: { memory: {} }',
    'logging: { level: warn }',
    'apis:',
    '  - name: measured',
    `    spec: ${JSON.stringify(spec)}`,
    '    upstream: { url: "http://127.0.0.1:9" }',
  ].join('\n');
  const config = await parseConfig(yaml, fileURLToPath(new URL('../../bench/fixtures/gatehouse.yaml', import.meta.url)));
  const gateway = await Gateway.start(config, { logger: pino({ level: 'warn' }) });
  const startMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  const rss = rssMiB();
  const heap = process.memoryUsage().heapUsed / 2 ** 20;
  // Counted after the reading, so the second copy of the spec is not in it.
  const operations = (await loadSpec(spec)).operations.length;
  const reading: Reading = { operations, rssMiB: rss, heapMiB: heap, startMs };
  process.stdout.write(`${JSON.stringify(reading)}\n`);
  await gateway.close();
  process.exit(0);
}

function measure(spec: string): Reading {
  const run = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), 'child', spec], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`gateway on ${spec} did not start: ${run.stderr.slice(0, 2000)}`);
  return JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as Reading;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'child') return child(process.argv[3] ?? SMALL);
  const small = measure(SMALL);
  console.log(`  bench spec         ${String(small.operations).padStart(5)} operations   RSS ${small.rssMiB.toFixed(1)} MiB   heap ${small.heapMiB.toFixed(1)} MiB   start ${small.startMs.toFixed(0)} ms`);
  if (!existsSync(GITHUB)) {
    console.log(`  GitHub's spec not found at ${GITHUB}: set GITHUB_SPEC`);
    return;
  }
  const large = measure(GITHUB);
  console.log(`  GitHub's spec      ${String(large.operations).padStart(5)} operations   RSS ${large.rssMiB.toFixed(1)} MiB   heap ${large.heapMiB.toFixed(1)} MiB   start ${large.startMs.toFixed(0)} ms`);
  const perThousand = ((large.rssMiB - small.rssMiB) / Math.max(1, large.operations - small.operations)) * 1000;
  console.log(`  RSS per 1,000 operations: ${perThousand.toFixed(1)} MiB`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
