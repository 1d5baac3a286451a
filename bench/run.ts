/**
 * `npm run bench`: every benchmark in one go, printed as figures and ratios. Not a test: it
 * measures, it does not assert. BENCH_SECONDS shortens or lengthens each load run.
 */
import { fileURLToPath } from 'node:url';
import { runProxyBench } from './proxy-bench.js';

async function main(): Promise<void> {
  const only = process.argv[2];
  if (only === undefined || only === 'proxy') {
    console.log('== gateway throughput and latency (autocannon, loopback, 2 cores shared by client, proxy and upstream)');
    for (const line of await runProxyBench()) console.log(line);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
