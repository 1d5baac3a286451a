/**
 * The injection detectors measured on labelled material (bench/eval-detect.ts): the shared corpora beside the
 * checkout (../shared/corpora/injection-dev and injection/, split by hash into development and held-out lines)
 * and the hand-written probes and web-shop traffic in test/corpora. Needs the shared corpora: it belongs to
 * `npm run test:corpus`. The floors are the measured figures less a margin, so a change that loses recall or
 * raises false positives fails here; they were set after measuring, never by tuning on held-out or probe lines.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluate, loadSamples, type Cell, type EvalResult, type Split } from '../../bench/eval-detect.js';

let r: EvalResult;
beforeAll(() => { r = evaluate(loadSamples()); }, 120_000);

const recall = (split: Split, category: string, level: number): number => {
  const c = r.attacks.get(split)?.get(category) as Cell;
  return (c.found[level - 1] ?? 0) / c.n;
};
const fpRate = (split: Split, source: string, level: number): number => {
  const c = r.benign.get(split)?.get(source) as Cell;
  return (c.found[level - 1] ?? 0) / c.n;
};

describe('injection detectors on the development split', () => {
  it.each([
    ['sqli', 0.97], ['xss', 0.94], ['cmdi', 0.86], ['traversal', 0.76], ['ssti', 0.94], ['ssrf', 0.94], ['nosqli', 0.93],
    ['prototype', 0.95], ['jndi', 0.95],
  ] as const)('%s: recall at level 2 of at least %d', (category, floor) => {
    expect(recall('dev', category, 2)).toBeGreaterThanOrEqual(floor);
  });

  it.each(['injection-dev', 'repo', 'libinjection'])('%s benign values: at most 0.5 %% flagged at levels 1 and 2', (source) => {
    expect(fpRate('dev', source, 1)).toBeLessThanOrEqual(0.005);
    expect(fpRate('dev', source, 2)).toBeLessThanOrEqual(0.005);
  });

  it('flags more at each level up: level 4 recall is at least level 1 recall in every category', () => {
    for (const [category, c] of r.attacks.get('dev') ?? new Map<string, Cell>()) {
      expect(c.found[3], category).toBeGreaterThanOrEqual(c.found[0] as number);
    }
  });
});

describe('injection detectors on the held-out split (never tuned on)', () => {
  it('keeps recall at level 2: SQL and XSS at least 94 %, the mean of categories at least 88 %', () => {
    expect(recall('held-out', 'sqli', 2)).toBeGreaterThanOrEqual(0.96);
    expect(recall('held-out', 'xss', 2)).toBeGreaterThanOrEqual(0.94);
    const cells = [...(r.attacks.get('held-out') ?? new Map<string, Cell>()).values()];
    const mean = cells.reduce((a, c) => a + (c.found[1] ?? 0) / c.n, 0) / cells.length;
    expect(mean).toBeGreaterThanOrEqual(0.88);
  });

  it('flags at most 0.5 % of the specs\' benign example values at levels 1 and 2', () => {
    expect(fpRate('held-out', 'injection-dev', 1)).toBeLessThanOrEqual(0.005);
    expect(fpRate('held-out', 'injection-dev', 2)).toBeLessThanOrEqual(0.005);
  });
});

describe('injection detectors on hand-written raw-request probes (never tuned on)', () => {
  it.each(['sqli', 'cmdi', 'xss', 'traversal', 'generic'])('%s: recall at level 2 of at least 90 %%', (category) => {
    expect(recall('probes', category, 2)).toBeGreaterThanOrEqual(0.9);
  });

  it('flags at most 0.5 % of benign web-shop requests at levels 1 and 2, and none of the legitimate twins at level 1', () => {
    expect(fpRate('probes', 'webshop', 1)).toBeLessThanOrEqual(0.005);
    expect(fpRate('probes', 'webshop', 2)).toBeLessThanOrEqual(0.005);
    expect(fpRate('probes', 'probes', 1)).toBe(0);
  });
});
