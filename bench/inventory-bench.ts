/**
 * Cost of inventory recording and anomaly detection on the hot path: the same gateway with
 * recording off, on with the default sampling, and on with every body walked (the worst case),
 * under the same load. Runs alternate (off, on, all, off, on, all, ...) so drift of the shared
 * machine hits every variant alike; the median of each is reported. Target: on >= 95 % of off.
 */
import { fileURLToPath } from 'node:url';
import { startRole } from './proxy-bench.js';
import { ITEM } from './servers.js';
import { loadWithCpu, median, type LoadSample } from './measure.js';


type Sample = LoadSample;



// Top-level keys: servers.js appends this text after the API's `policies:` block, at column 0.
const VARIANTS = [
  { name: 'recording off', yaml: 'inventory: { enabled: false }\nmonitoring: { enabled: false }' },
  { name: 'recording on (default: 2 % of bodies walked)', yaml: '' },
  { name: 'recording on, every body walked', yaml: 'inventory: { sampleRate: 1 }' },
];

export async function runInventoryBench(seconds = Number(process.env.BENCH_SECONDS ?? 4), rounds = Number(process.env.BENCH_ROUNDS ?? 3)): Promise<string[]> {
  const up = await startRole('upstream');
  const target = `http://127.0.0.1:${up.port}`;
  const gateways = await Promise.all(VARIANTS.map((v) => startRole('gatehouse', target, v.yaml)));
  const lines: string[] = [];
  try {
    for (const [label, method, path] of [['GET /items/{id}', 'GET', '/items/42?fields=name'], ['POST /items (1 KB JSON)', 'POST', '/items']] as const) {
      for (const g of gateways) await loadWithCpu(g, method, path, 1, { body: JSON.stringify(ITEM) }); // warm-up
      const samples: Sample[][] = VARIANTS.map(() => []);
      for (let r = 0; r < rounds; r++) {
        for (const [i, g] of gateways.entries()) (samples[i] as Sample[]).push(await loadWithCpu(g, method, path, seconds, { body: JSON.stringify(ITEM) }));
      }
      const baseRps = median((samples[0] as Sample[]).map((x) => x.rps));
      const baseCpu = median((samples[0] as Sample[]).map((x) => x.cpuUsPerRequest));
      lines.push(`inventory recording, ${label} (median of ${rounds} x ${seconds} s, 32 connections)`);
      VARIANTS.forEach((v, i) => {
        const r = median((samples[i] as Sample[]).map((x) => x.rps));
        const c = median((samples[i] as Sample[]).map((x) => x.cpuUsPerRequest));
        lines.push(`  ${v.name.padEnd(46)} ${r.toFixed(0).padStart(7)} req/s ${(r / baseRps * 100).toFixed(1).padStart(6)} %   gateway CPU ${c.toFixed(1).padStart(6)} us/req  throughput-equivalent ${(baseCpu / c * 100).toFixed(1).padStart(6)} %`);
      });
    }
  } finally {
    for (const p of [up, ...gateways]) p.child.kill();
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runInventoryBench().then((lines) => { for (const l of lines) console.log(l); }, (error: unknown) => { console.error(error); process.exitCode = 1; });
}
