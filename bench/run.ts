/**
 * `npm run bench`: every benchmark in one go, printed as figures and ratios. Not a test: it
 * measures, it does not assert. `npm run bench -- proxy` runs one section; BENCH_SECONDS
 * shortens or lengthens each load run. Each section runs in its own process so one section's
 * JIT state and garbage do not colour the next.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runProxyBench } from './proxy-bench.js';

const SECTIONS: { name: string; title: string; script?: string; node?: string[]; onlyWhenNamed?: boolean }[] = [
  { name: 'openapi', title: 'OpenAPI load + compile of GitHub\'s spec (target <= 3 s)', script: 'openapi-compile.js' },
  { name: 'detect', title: 'injection detectors, cost per value (target <= 10 us)', script: 'detect-bench.js' },
  { name: 'audit', title: 'gatehouse audit of GitHub\'s spec (target < 5 s)', script: 'audit-bench.js' },
  { name: 'proxy', title: 'gateway throughput and latency vs a minimal undici proxy (autocannon; client, proxy and upstream share 2 cores)' },
  { name: 'jwt', title: 'gateway with JWT (ES256) authentication + scopes + contract vs the floor (target >= 70 %)', script: 'jwt-bench.js' },
  { name: 'inventory', title: 'inventory recording and anomaly detection on vs off (target: on >= 95 % of off)', script: 'inventory-bench.js' },
  { name: 'peers', title: 'gateway beside fastify, nginx and haproxy (one core each), CPU per request against the floor (targets: plain >= 1.0x, everything on >= 0.9x; added p99 at half the floor\'s saturation <= 1 ms)', script: 'peers-bench.js' },
  { name: 'workers', title: 'workers: 1 and 2 against one process, CPU per request of the whole process tree, memory and Redis stores (target: 2 workers within 10 % of 1)', script: 'workers-bench.js' },
  { name: 'memory', title: 'memory: RSS with GitHub\'s spec loaded and per 1,000 operations', script: 'memory-bench.js', node: ['--expose-gc'] },
  { name: 'soak', title: 'soak: steady load for SOAK_MINUTES (30), RSS and descriptors sampled (run only when named: npm run bench -- soak)', script: 'soak.js', onlyWhenNamed: true },
  { name: 'tracing', title: 'OpenTelemetry tracing off vs on (OTLP/HTTP export to a local sink)', script: 'tracing-bench.js' },
  { name: 'state', title: 'state left behind by anonymous traffic to new unmatched paths (bounded: STATE_REQUESTS per run)', script: 'state-growth.js', node: ['--expose-gc'] },
];

async function main(): Promise<void> {
  const only = process.argv[2];
  let failed = false;
  for (const section of SECTIONS) {
    if (only !== undefined && only !== section.name) continue;
    if (only === undefined && section.onlyWhenNamed === true) continue;
    console.log(`\n== ${section.title}`);
    if (section.script !== undefined) {
      const run = spawnSync(process.execPath, [...(section.node ?? []), fileURLToPath(new URL(`./${section.script}`, import.meta.url))], { stdio: 'inherit' });
      if (run.status !== 0) failed = true;
    } else {
      for (const line of await runProxyBench()) console.log(line);
    }
  }
  if (failed) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
