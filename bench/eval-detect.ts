/**
 * `npm run eval:detect`: measures the injection detectors on labelled material, per category and paranoia level.
 *
 * - development split: 70 % of ../shared/corpora/injection-dev (attacks by category, benign values from real
 *   specs' examples) and of ../shared/corpora/injection/libinjection.jsonl, chosen by a hash of each id, plus
 *   the repository's own corpora (test/corpora/attacks.jsonl, benign.jsonl). The detectors are tuned on it.
 * - held-out split: the other 30 %, by the same hash. Never tuned on; only its figures are printed, never its
 *   lines.
 * - probes: hand-written raw requests (test/corpora/probes.jsonl) and benign web-shop traffic
 *   (test/corpora/webshop.jsonl), written before the detectors they measure. Never tuned on.
 *
 * Recall counts an attack as found when any detector flags it; the false-positive rate is the share of benign
 * values (or requests) flagged. `--misses N` lists development misses and false positives (never held-out or
 * probe lines), `--category C` narrows that list, `--level L` chooses the level they are listed for.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectObject, detectRequest, detectValue, LEVELS, type Detection, type Level, type RawRequest, type ValueKind } from '../src/detect/index.js';

export type Split = 'dev' | 'held-out' | 'probes';
export const SPLITS: readonly Split[] = ['dev', 'held-out', 'probes'];

export interface Sample {
  readonly id: string;
  readonly split: Split;
  /** Attack category (injection-dev names: sqli, xss, cmdi, traversal, ssti, jndi, ssrf, nosqli, prototype; generic in probes). */
  readonly category: string;
  readonly attack: boolean;
  /** Where the sample comes from: injection-dev, libinjection, repo, probes, webshop. */
  readonly source: string;
  readonly value?: string;
  readonly kind?: ValueKind;
  readonly body?: unknown;
  readonly query?: string;
  readonly request?: RawRequest;
}

export interface Cell { n: number; found: number[] }
export interface EvalResult {
  /** split -> category -> per level counts (found[level-1]). */
  attacks: Map<Split, Map<string, Cell>>;
  /** split -> benign source -> per level flagged counts. */
  benign: Map<Split, Map<string, Cell>>;
  /** CPU nanoseconds per value at level 2 over every single-value sample (requests excluded). */
  nsPerValue: number;
  misses: { sample: Sample; level: Level; detection?: Detection }[];
}

/** The repository root: the nearest folder above this file that holds package.json (works from src and dist). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('eval-detect: cannot find the repository root (no package.json above this file)');
    dir = up;
  }
  return dir;
}

/** Where the shared corpora are, with a message that says what to do when they are not there. */
export function corporaDir(root = repoRoot()): string {
  const dir = resolve(root, '..', 'shared', 'corpora');
  for (const f of ['injection-dev/attacks.jsonl', 'injection-dev/benign.jsonl', 'injection/libinjection.jsonl']) {
    if (!existsSync(join(dir, f))) {
      throw new Error(`eval-detect: the shared corpus ${join(dir, f)} is missing. The evaluation reads the corpora beside the ` +
        'checkout (../shared/corpora/injection-dev/ and ../shared/corpora/injection/); they are not part of the repository.');
    }
  }
  return dir;
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      throw new Error(`${file}: line ${i + 1} is not JSON`);
    }
  });
}

/** The deterministic split of a shared-corpus line: 70 % development, 30 % held out, by the SHA-1 of its id. */
export function splitOf(id: string): Split {
  const h = createHash('sha1').update(id).digest();
  return (h.readUInt32BE(0) % 100) < 70 ? 'dev' : 'held-out';
}

const FAMILY: Readonly<Record<string, string>> = { 'path-traversal': 'traversal', 'prototype-pollution': 'prototype' };

export function loadSamples(root = repoRoot()): Sample[] {
  const shared = corporaDir(root);
  const out: Sample[] = [];
  for (const r of readJsonl(join(shared, 'injection-dev', 'attacks.jsonl'))) {
    out.push({ id: String(r.id), split: splitOf(String(r.id)), category: String(r.category), attack: true, source: 'injection-dev', value: String(r.value) });
  }
  for (const r of readJsonl(join(shared, 'injection-dev', 'benign.jsonl'))) {
    out.push({ id: String(r.id), split: splitOf(String(r.id)), category: 'benign', attack: false, source: 'injection-dev', value: String(r.value) });
  }
  for (const r of readJsonl(join(shared, 'injection', 'libinjection.jsonl'))) {
    if (r.expect_attack === null || r.expect_attack === undefined) continue;
    const attack = r.expect_attack === true;
    out.push({ id: String(r.id), split: splitOf(String(r.id)), category: attack ? String(r.family) : 'benign', attack, source: 'libinjection', value: String(r.value) });
  }
  for (const file of ['attacks.jsonl', 'benign.jsonl']) {
    for (const r of readJsonl(join(root, 'test', 'corpora', file))) {
      const attack = r.expect_attack === true;
      const family = String(r.family ?? 'benign');
      out.push({
        id: String(r.id), split: 'dev', category: attack ? FAMILY[family] ?? family : 'benign', attack, source: 'repo',
        ...(typeof r.value === 'string' ? { value: r.value } : {}), ...(r.context ? { kind: r.context as ValueKind } : {}),
        ...(r.body !== undefined && r.body !== null ? { body: r.body } : {}), ...(typeof r.query === 'string' ? { query: r.query } : {}),
      });
    }
  }
  for (const [file, source] of [['probes.jsonl', 'probes'], ['webshop.jsonl', 'webshop']] as const) {
    for (const r of readJsonl(join(root, 'test', 'corpora', file))) {
      const attack = r.expect_attack === true;
      const request: RawRequest = {
        uri: String(r.uri), ...(typeof r.method === 'string' ? { method: r.method } : {}),
        ...(r.headers ? { headers: r.headers as Record<string, string> } : {}), ...(r.body !== undefined ? { body: r.body } : {}),
      };
      out.push({ id: String(r.id), split: 'probes', category: attack ? String(r.category) : 'benign', attack, source, request });
    }
  }
  return out;
}

export function judge(s: Sample, level: Level): Detection | undefined {
  if (s.request !== undefined) return detectRequest(s.request, { level })[0];
  if (s.body !== undefined) return detectObject(s.body, { level });
  if (s.query !== undefined) return detectRequest({ method: 'GET', uri: `/x?${s.query}` }, { level })[0];
  return detectValue(s.value ?? '', s.kind ? { kind: s.kind, level } : { level });
}

export function evaluate(samples: readonly Sample[] = loadSamples(), missesAt: Level = 2): EvalResult {
  const attacks = new Map<Split, Map<string, Cell>>();
  const benign = new Map<Split, Map<string, Cell>>();
  const misses: EvalResult['misses'] = [];
  const cell = (m: Map<Split, Map<string, Cell>>, split: Split, key: string): Cell => {
    let bySplit = m.get(split);
    if (!bySplit) m.set(split, bySplit = new Map());
    let c = bySplit.get(key);
    if (!c) bySplit.set(key, c = { n: 0, found: [0, 0, 0, 0] });
    return c;
  };
  for (const s of samples) {
    const c = s.attack ? cell(attacks, s.split, s.category) : cell(benign, s.split, s.source);
    c.n++;
    for (const level of LEVELS) {
      const d = judge(s, level);
      if (d) c.found[level - 1]!++;
      // Only development lines are ever shown: held-out and probe lines stay unseen.
      if (level === missesAt && s.split === 'dev' && (s.attack ? !d : d)) misses.push({ sample: s, level, ...(d ? { detection: d } : {}) });
    }
  }
  return { attacks, benign, nsPerValue: nsPerValue(samples), misses };
}

/** CPU time per single value at level 2 (not wall time: the machine is shared), best of 3 rounds. */
function nsPerValue(samples: readonly Sample[]): number {
  const values = samples.filter((s) => s.value !== undefined && s.body === undefined && s.query === undefined).map((s) => s.value as string);
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = process.cpuUsage();
    for (const v of values) detectValue(v, { level: 2 });
    const d = process.cpuUsage(start);
    best = Math.min(best, ((d.user + d.system) * 1000) / values.length);
  }
  return best;
}

const pct = (k: number, n: number): string => (n === 0 ? '-' : `${((100 * k) / n).toFixed(1)}%`);

const TITLES: Readonly<Record<Split, string>> = {
  dev: 'development split (70 % of injection-dev and libinjection by hash of id, plus test/corpora) - tuned on',
  'held-out': 'held-out split (the other 30 %) - never tuned on',
  probes: 'hand-written probes (raw requests, test/corpora/probes.jsonl and webshop.jsonl) - never tuned on',
};

export function report(r: EvalResult, missesShown = 0, category?: string): string {
  const lines: string[] = [];
  const head = `${''.padEnd(22)}${'n'.padStart(7)}${LEVELS.map((l) => `level ${l}`.padStart(10)).join('')}`;
  for (const split of SPLITS) {
    lines.push('', `== ${TITLES[split]}`, '', `recall${head.slice(6)}`);
    const atk = [...(r.attacks.get(split) ?? new Map<string, Cell>()).entries()].sort((a, b) => b[1].n - a[1].n);
    let total: Cell = { n: 0, found: [0, 0, 0, 0] };
    for (const [cat, c] of atk) {
      lines.push(`  ${cat.padEnd(20)}${String(c.n).padStart(7)}${c.found.map((f) => pct(f, c.n).padStart(10)).join('')}`);
      total = { n: total.n + c.n, found: total.found.map((f, i) => f + (c.found[i] ?? 0)) };
    }
    // The mean over categories weighs each kind of attack equally (the corpora are dominated by two kinds).
    const mean = LEVELS.map((l) => atk.reduce((a, [, c]) => a + (c.found[l - 1] ?? 0) / c.n, 0) / Math.max(1, atk.length));
    lines.push(`  ${'all values'.padEnd(20)}${String(total.n).padStart(7)}${total.found.map((f) => pct(f, total.n).padStart(10)).join('')}`);
    lines.push(`  ${'mean of categories'.padEnd(20)}${''.padStart(7)}${mean.map((m) => `${(100 * m).toFixed(1)}%`.padStart(10)).join('')}`);
    lines.push('', `false positives${head.slice(15)}`);
    for (const [src, c] of r.benign.get(split) ?? new Map<string, Cell>()) {
      lines.push(`  ${src.padEnd(20)}${String(c.n).padStart(7)}${c.found.map((f) => pct(f, c.n).padStart(10)).join('')}`);
    }
  }
  lines.push('', `cost: ${r.nsPerValue.toFixed(0)} ns (${(r.nsPerValue / 1000).toFixed(2)} µs) per value at level 2 (CPU time, every single-value sample)`);
  if (missesShown > 0) {
    const shown = r.misses.filter((m) => category === undefined || m.sample.category === category || m.detection?.category === category);
    const show = (s: Sample): string => {
      const v = s.value ?? s.query ?? JSON.stringify(s.body ?? s.request);
      return JSON.stringify(v.length > 160 ? `${v.slice(0, 157)}...` : v);
    };
    const missed = shown.filter((m) => m.sample.attack);
    const fps = shown.filter((m) => !m.sample.attack);
    lines.push('', `development misses at level ${r.misses[0]?.level ?? '-'} (${missed.length}):`);
    for (const m of missed.slice(0, missesShown)) lines.push(`  [${m.sample.category}] ${show(m.sample)}`);
    lines.push('', `development false positives (${fps.length}):`);
    for (const m of fps.slice(0, missesShown)) lines.push(`  ${show(m.sample)}  <- ${m.detection?.rule} ${JSON.stringify(m.detection?.tokens)}`);
  }
  return lines.join('\n');
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const level = Number(arg('level') ?? 2) as Level;
    console.log(report(evaluate(loadSamples(), level), Number(arg('misses') ?? 0), arg('category')));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
  }
}
