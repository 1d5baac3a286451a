/**
 * `npm run bench -- detect`: cost of detectValue per value, at each paranoia level, on typical request values
 * (our benign corpus: names, prose, URLs, code...), on the benign values of real specs' examples, and on attacks;
 * plus a whole raw web-shop request through detectRequest. Prints CPU microseconds per value (target <= 10 us
 * for a typical value). Run alone: tsc -p tsconfig.build.json && node dist/bench/detect-bench.js
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectRequest, detectValue, LEVELS, type Level, type RawRequest } from '../src/detect/index.js';
import { repoRoot } from './eval-detect.js';

function lines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function values(file: string, attack: boolean | undefined): string[] {
  return lines(file).filter((r) => attack === undefined || (r.expect_attack ?? false) === attack)
    .map((r) => r.value).filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** CPU time (not wall time: the bench machine is shared) per call, best of 5 rounds of at least minMs each. */
function usPer(run: () => number, minMs = 250): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const start = process.cpuUsage();
    let used = 0;
    while (used < minMs * 1000) {
      n += run();
      const d = process.cpuUsage(start);
      used = d.user + d.system;
    }
    best = Math.min(best, used / n);
  }
  return best;
}

function perValue(vs: readonly string[], level: Level): number {
  return usPer(() => { for (const v of vs) detectValue(v, { level }); return vs.length; });
}

const root = repoRoot();
const benign = values(join(root, 'test', 'corpora', 'benign.jsonl'), false);
const plain = ['42', 'alice', 'Jean-Luc Picard', 'a.b@example.com', '2024-06-11', 'en-US', 'v1.2.3', 'ORD-12345', 'true', 'Dublin'];
const shared = join(root, '..', 'shared', 'corpora');
const specs = existsSync(join(shared, 'injection-dev')) ? values(join(shared, 'injection-dev', 'benign.jsonl'), undefined) : [];
const attacks = existsSync(join(shared, 'injection')) ? values(join(shared, 'injection', 'libinjection.jsonl'), true).slice(0, 3000) : [];
const shop: RawRequest[] = lines(join(root, 'test', 'corpora', 'webshop.jsonl')).slice(0, 500).map((r) => ({
  uri: String(r.uri), ...(r.headers ? { headers: r.headers as Record<string, string> } : {}), ...(typeof r.body === 'string' ? { body: r.body } : {}),
}));
const mean = (vs: readonly string[]): string => (vs.reduce((a, v) => a + v.length, 0) / Math.max(1, vs.length)).toFixed(0);

perValue(benign, 2); // warm up the JIT
const fmt = (us: number): string => `${us.toFixed(2)} µs`;
console.log(`${'per value'.padEnd(70)}${LEVELS.map((l) => `level ${l}`.padStart(11)).join('')}`);
const row = (label: string, vs: readonly string[]): void => {
  if (vs.length === 0) return;
  console.log(`${label.padEnd(70)}${LEVELS.map((l) => fmt(perValue(vs, l)).padStart(11)).join('')}`);
};
row('plain identifiers (fast path)', plain);
row(`typical values (test/corpora/benign.jsonl: ${benign.length}, mean ${mean(benign)} chars)`, benign);
row(`spec example values (injection-dev benign: ${specs.length}, mean ${mean(specs)} chars)`, specs);
row(`attacks (libinjection, first ${attacks.length})`, attacks);
const perRequest = (level: Level): number => usPer(() => { for (const r of shop) detectRequest(r, { level }); return shop.length; });
console.log(`${`web-shop request, whole (${shop.length} requests, headers and body)`.padEnd(58)}${LEVELS.map((l) => fmt(perRequest(l)).padStart(11)).join('')}`);
