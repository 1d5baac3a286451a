import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `npm test` passes on a fresh clone with nothing beside it: only `*.corpus.test.ts` files (run
 * by `npm run test:corpus`) may reach for the shared corpora beside the checkout, directly or
 * through the evaluation script in bench/ that reads them by default.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUTSIDE = [
  /shared\/corpora/, /['"]shared['"]\s*,\s*['"]corpora['"]/, /\.\.\/shared\b/, /\/work\/shared/,
  // bench/eval-detect.ts reads the shared corpora when called without samples of its own.
  /\b(loadSamples|evaluate)\(\s*\)/,
];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'node_modules') return [];
    if (statSync(p).isDirectory()) return testFiles(p);
    return name.endsWith('.ts') ? [p] : [];
  });
}

describe('npm test on a fresh clone', () => {
  it('has no test or test helper outside *.corpus.test.ts that reads ../shared', () => {
    const files = [...testFiles(path.join(ROOT, 'test')), ...testFiles(path.join(ROOT, 'src'))].filter((f) => !f.endsWith('.corpus.test.ts'));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => f !== fileURLToPath(import.meta.url) && OUTSIDE.some((re) => re.test(readFileSync(f, 'utf8'))));
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
