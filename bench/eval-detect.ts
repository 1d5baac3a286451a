/**
 * `npm run eval:detect`: measures the injection detectors on labelled corpora — the shared libinjection set
 * (SQL injection and XSS, plus benign values that fooled a SQL detector once), our own attacks for the other
 * categories (test/corpora/attacks.jsonl) and our benign values (test/corpora/benign.jsonl). Prints, per
 * category, TP / FN / FP / TN, precision, recall and false-positive rate, then the first misses of each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATEGORIES, detectObject, detectRequest, detectValue, type Category, type Detection, type ValueKind } from '../src/detect/index.js';

interface Row {
  id: string;
  family?: string;
  value?: string;
  context?: ValueKind;
  body?: unknown;
  query?: string;
  expect_attack: boolean | null;
}

export interface CategoryStats {
  category: Category;
  tp: number;
  fn: number;
  fp: number;
  tn: number;
  misses: string[];
  falsePositives: string[];
}

export interface EvalResult {
  stats: CategoryStats[];
  benignTotal: number;
  benignFlagged: number;
  attackTotal: number;
  attackFound: number;
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

function readJsonl(file: string): Row[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as Row;
    } catch {
      throw new Error(`${file}: line ${i + 1} is not JSON`);
    }
  });
}

function judge(row: Row): Detection | undefined {
  if (row.body !== undefined && row.body !== null) return detectObject(row.body);
  if (row.query !== undefined) return detectRequest({ method: 'GET', uri: `/x?${row.query}` })[0];
  return detectValue(row.value ?? '', row.context ? { kind: row.context } : undefined);
}

function show(row: Row): string {
  const v = row.value || (row.query ?? JSON.stringify(row.body));
  return v.length > 120 ? `${v.slice(0, 117)}...` : v;
}

export function evaluate(root = repoRoot()): EvalResult {
  const shared = resolve(root, '..', 'shared', 'corpora', 'injection', 'libinjection.jsonl');
  if (!existsSync(shared)) throw new Error(`eval-detect: shared corpus not found at ${shared}`);
  const rows = [
    ...readJsonl(shared),
    ...readJsonl(join(root, 'test', 'corpora', 'attacks.jsonl')),
    ...readJsonl(join(root, 'test', 'corpora', 'benign.jsonl')),
  ];
  const stats = new Map<Category, CategoryStats>(CATEGORIES.map((c) => [c, { category: c, tp: 0, fn: 0, fp: 0, tn: 0, misses: [], falsePositives: [] }]));
  let benignTotal = 0, benignFlagged = 0, attackTotal = 0, attackFound = 0;
  for (const row of rows) {
    if (row.expect_attack === null) continue; // unlabelled in the source data
    const d = judge(row);
    if (row.expect_attack) {
      const s = stats.get(row.family as Category);
      if (!s) throw new Error(`eval-detect: row ${row.id} has unknown family ${String(row.family)}`);
      attackTotal++;
      if (d) { s.tp++; attackFound++; } else { s.fn++; s.misses.push(show(row)); }
    } else {
      benignTotal++;
      if (d) {
        benignFlagged++;
        const s = stats.get(d.category) as CategoryStats;
        s.fp++;
        s.falsePositives.push(`${show(row)}  <- ${JSON.stringify(d.fragment)}`);
      }
    }
  }
  for (const s of stats.values()) s.tn = benignTotal - s.fp;
  return { stats: [...stats.values()], benignTotal, benignFlagged, attackTotal, attackFound };
}

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : '-');

export function report(r: EvalResult, missesShown = 5): string {
  const lines: string[] = [];
  lines.push(`${'category'.padEnd(20)}${'TP'.padStart(7)}${'FN'.padStart(7)}${'FP'.padStart(6)}${'TN'.padStart(7)}${'precision'.padStart(11)}${'recall'.padStart(9)}${'FP rate'.padStart(9)}`);
  for (const s of r.stats) {
    lines.push(`${s.category.padEnd(20)}${String(s.tp).padStart(7)}${String(s.fn).padStart(7)}${String(s.fp).padStart(6)}${String(s.tn).padStart(7)}` +
      `${pct(s.tp / (s.tp + s.fp)).padStart(11)}${pct(s.tp / (s.tp + s.fn)).padStart(9)}${pct(s.fp / r.benignTotal).padStart(9)}`);
  }
  lines.push(`${'all'.padEnd(20)}${String(r.attackFound).padStart(7)}${String(r.attackTotal - r.attackFound).padStart(7)}${String(r.benignFlagged).padStart(6)}` +
    `${String(r.benignTotal - r.benignFlagged).padStart(7)}${pct(r.attackFound / (r.attackFound + r.benignFlagged)).padStart(11)}` +
    `${pct(r.attackFound / r.attackTotal).padStart(9)}${pct(r.benignFlagged / r.benignTotal).padStart(9)}`);
  for (const s of r.stats) {
    if (s.misses.length) lines.push('', `missed ${s.category} (${s.misses.length}):`, ...s.misses.slice(0, missesShown).map((m) => `  ${m}`));
    if (s.falsePositives.length) lines.push('', `false ${s.category} (${s.falsePositives.length}):`, ...s.falsePositives.slice(0, missesShown * 2).map((m) => `  ${m}`));
  }
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(report(evaluate(), Number(process.env.EVAL_MISSES ?? 5)));
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 2;
  }
}
