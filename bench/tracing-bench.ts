/**
 * Cost of OpenTelemetry tracing on the hot path: the same gateway with no `tracing` section, with
 * tracing on but no new trace sampled (spans created non-recording, traceparent still passed
 * on), and with every request recorded and exported over OTLP/HTTP to a local sink. Runs
 * alternate (off, unsampled, on, off, ...) so drift of the shared machine hits every variant
 * alike; the median of each is reported, with the gateway's CPU time per request.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startRole } from './proxy-bench.js';
import { ITEM } from './servers.js';
import { loadWithCpu, median, type LoadSample } from './measure.js';

type Sample = LoadSample;


/** An OTLP/HTTP endpoint that reads and drops what it is sent, counting the exports. */
async function startSink(): Promise<{ url: string; exports: () => number; close(): void }> {
  let count = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { count++; res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, exports: () => count, close: () => server.close() };
}

export async function runTracingBench(seconds = Number(process.env.BENCH_SECONDS ?? 4), rounds = Number(process.env.BENCH_ROUNDS ?? 3)): Promise<string[]> {
  const sink = await startSink();
  // Top-level keys: servers.js appends this text after the API's `policies:` block, at column 0.
  const variants = [
    { name: 'tracing off (no tracing section)', yaml: '' },
    { name: 'tracing on, sampleRatio 0 (propagation only)', yaml: `tracing: { endpoint: "${sink.url}", sampleRatio: 0 }` },
    { name: 'tracing on, every request exported', yaml: `tracing: { endpoint: "${sink.url}", sampleRatio: 1 }` },
  ];
  const up = await startRole('upstream');
  const target = `http://127.0.0.1:${up.port}`;
  const gateways = await Promise.all(variants.map((v) => startRole('gatehouse', target, v.yaml)));
  const lines: string[] = [];
  try {
    for (const [label, method, path] of [['GET /items/{id}', 'GET', '/items/42?fields=name'], ['POST /items (1 KB JSON)', 'POST', '/items']] as const) {
      for (const g of gateways) await loadWithCpu(g, method, path, 1, { body: JSON.stringify(ITEM) }); // warm-up
      const samples: Sample[][] = variants.map(() => []);
      for (let r = 0; r < rounds; r++) {
        for (const [i, g] of gateways.entries()) (samples[i] as Sample[]).push(await loadWithCpu(g, method, path, seconds, { body: JSON.stringify(ITEM) }));
      }
      const baseRps = median((samples[0] as Sample[]).map((x) => x.rps));
      const baseCpu = median((samples[0] as Sample[]).map((x) => x.cpuUsPerRequest));
      lines.push(`tracing, ${label} (median of ${rounds} x ${seconds} s, 32 connections)`);
      variants.forEach((v, i) => {
        const r = median((samples[i] as Sample[]).map((x) => x.rps));
        const c = median((samples[i] as Sample[]).map((x) => x.cpuUsPerRequest));
        lines.push(`  ${v.name.padEnd(46)} ${r.toFixed(0).padStart(7)} req/s ${(r / baseRps * 100).toFixed(1).padStart(6)} %   gateway CPU ${c.toFixed(1).padStart(6)} us/req  throughput-equivalent ${(baseCpu / c * 100).toFixed(1).padStart(6)} %`);
      });
    }
    lines.push(`  (the sink received ${sink.exports()} export requests)`);
  } finally {
    for (const p of [up, ...gateways]) p.child.kill();
    sink.close();
  }
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runTracingBench().then((lines) => { for (const l of lines) console.log(l); }, (error: unknown) => { console.error(error); process.exitCode = 1; });
}
