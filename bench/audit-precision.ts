/**
 * The figures behind the precision table in docs/audit-rules.md: every spec of the shared corpus
 * (../shared/corpora/specs) audited, findings counted per rule, and a seeded sample of each rule's
 * findings written out with the schema or object they point at, for a person to review.
 *   npm run build && node dist/bench/audit-precision.js [SAMPLE_SIZE] [OUT_FILE]
 * Prints one line per rule: findings, documents hit, and the sampled pointers' file in OUT_FILE.
 */
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditFile } from '../src/audit/engine.js';
import { loadSpec } from '../src/openapi/index.js';
import { RawDoc } from '../src/audit/raw.js';

function specsUnder(dir: string): string[] {
  return readdirSync(dir).sort().flatMap((name) => {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) return specsUnder(p);
    return /\.(ya?ml|json)$/i.test(name) ? [p] : [];
  });
}

/** Small deterministic generator (mulberry32): the same seed samples the same findings. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Hit { file: string; pointer: string; message: string; severity: string; confidence: string }

async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const root = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../..') : path.resolve(here, '..');
  const corpus = path.resolve(root, '../shared/corpora/specs');
  const sampleSize = Number(process.argv[2] ?? 10);
  const out = process.argv[3] ?? 'audit-precision-sample.txt';
  const byRule = new Map<string, Hit[]>();
  const files = specsUnder(corpus);
  for (const f of files) {
    const r = await auditFile(f);
    for (const x of r.findings) {
      const list = byRule.get(x.ruleId) ?? [];
      list.push({ file: path.relative(corpus, f), pointer: x.pointer, message: x.message, severity: x.severity, confidence: x.confidence });
      byRule.set(x.ruleId, list);
    }
  }
  const next = rng(19);
  const lines: string[] = [];
  console.log(`${files.length} specs`);
  for (const [rule, hits] of [...byRule].sort(([a], [b]) => a.localeCompare(b))) {
    const docs = new Set(hits.map((h) => h.file)).size;
    console.log(`${rule}\t${hits.length} findings\t${docs} specs`);
    const pool = [...hits];
    const sample: Hit[] = [];
    while (sample.length < sampleSize && pool.length > 0) sample.push(...pool.splice(Math.floor(next() * pool.length), 1));
    lines.push(`## ${rule} (${hits.length} findings in ${docs} specs; sample of ${sample.length})`);
    for (const h of sample) {
      const spec = await loadSpec(path.join(corpus, h.file));
      const node = new RawDoc(spec.raw).get(h.pointer);
      const shown = JSON.stringify(node, (_k, v: unknown) => (typeof v === 'string' && v.length > 120 ? `${v.slice(0, 120)}…` : v))?.slice(0, 600) ?? 'undefined';
      lines.push(`- [ ] ${h.file} ${h.pointer}\n  ${h.severity}/${h.confidence}: ${h.message}\n  ${shown}`);
    }
    lines.push('');
  }
  writeFileSync(out, lines.join('\n'));
}

await main();
