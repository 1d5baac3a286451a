/**
 * Micro-benchmark of detectValue on typical request values (our benign corpus: names, prose, URLs, code...)
 * and on attacks. Prints nanoseconds per value. Run: tsc -p tsconfig.build.json && node dist/bench/detect-bench.js
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectValue } from '../src/detect/index.js';
import { repoRoot } from './eval-detect.js';

function load(file: string, attack: boolean): string[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { value?: string; expect_attack: boolean | null })
    .filter((r) => r.expect_attack === attack && typeof r.value === 'string' && r.value.length > 0).map((r) => r.value as string);
}

/** CPU time (not wall time: the bench machine is shared) per value, best of 5 rounds. */
function nsPerValue(values: readonly string[], minMs = 300): number {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let n = 0;
    const start = process.cpuUsage();
    let used = 0;
    while (used < minMs * 1000) {
      const reps = Math.max(1, Math.ceil(2000 / values.length)); // amortise the cpuUsage call
      for (let r = 0; r < reps; r++) for (const v of values) detectValue(v);
      n += values.length * reps;
      const d = process.cpuUsage(start);
      used = d.user + d.system;
    }
    best = Math.min(best, (used * 1000) / n);
  }
  return best;
}

const root = repoRoot();
const benign = load(join(root, 'test', 'corpora', 'benign.jsonl'), false);
const plain = ['42', 'alice', 'Jean-Luc Picard', 'a.b@example.com', '2024-06-11', 'en-US', 'v1.2.3', 'ORD-12345', 'true', 'Dublin'];
const attacks = load(join(root, '..', 'shared', 'corpora', 'injection', 'libinjection.jsonl'), true).slice(0, 3000);
const body = JSON.stringify({ name: "Miles O'Brien", email: 'miles@example.com', note: 'Please select the best option and drop me a line.' });

nsPerValue(benign, 300); // warm up the JIT
console.log(`plain identifiers (fast path): ${nsPerValue(plain).toFixed(0)} ns/value`);
console.log(`typical values (benign corpus, ${benign.length} values, mean ${(benign.reduce((a, v) => a + v.length, 0) / benign.length).toFixed(0)} chars): ${nsPerValue(benign).toFixed(0)} ns/value`);
console.log(`attacks (libinjection, first ${attacks.length}): ${nsPerValue(attacks).toFixed(0)} ns/value`);
console.log(`a JSON body of ${body.length} bytes as one value: ${nsPerValue([body]).toFixed(0)} ns`);
