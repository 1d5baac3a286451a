import { describe, expect, it } from 'vitest';
import { evaluate } from '../bench/eval-detect.js';

describe('injection detectors on the labelled corpora', () => {
  const r = evaluate();
  it.each(r.stats.map((s) => [s.category, s] as const))('%s: recall >= 95 % and false positives <= 0.5 % of benign values', (_c, s) => {
    expect(s.tp + s.fn).toBeGreaterThan(0);
    expect(s.tp / (s.tp + s.fn)).toBeGreaterThanOrEqual(0.95);
    expect(s.fp / r.benignTotal).toBeLessThanOrEqual(0.005);
  });
  it('flags at most 0.5 % of all benign values, on a benign set of at least 3,000 values', () => {
    expect(r.benignTotal).toBeGreaterThanOrEqual(3000);
    expect(r.benignFlagged / r.benignTotal).toBeLessThanOrEqual(0.005);
  });
});
