import { describe, expect, it } from 'vitest';
import { detectValue } from './index.js';

/** Inputs built to make a backtracking or rescanning detector quadratic: long runs of each trigger. */
const PATTERNS = ["'", '"', '<a ', '<', '../', '..', '%25', '&#', '\\u00', ';', '|', '$(', '`', 'union ', 'or 1=', '(', '/*', '--', '$', 'on',
  ' onx', 'a=', '@', '__proto', 'constructor', 'http://', '0x', "'||'", 'select ', '\n', '.', ' ', 'style=', '<!--'];

function timeOf(value: string): number {
  const t0 = process.hrtime.bigint();
  detectValue(value);
  detectValue(value, { kind: 'url' });
  detectValue(value, { kind: 'path' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

describe('linear time', () => {
  it('judges 100 KB adversarial strings in bounded time (no catastrophic backtracking)', () => {
    for (const p of PATTERNS) {
      const v = p.repeat(Math.ceil(100_000 / p.length));
      timeOf(v); // warm up
      expect(timeOf(v), `pattern ${JSON.stringify(p)}`).toBeLessThan(1000); // measured: 20-120 ms on a shared 2-core machine
    }
  });

  it('grows linearly: 10x the input costs well under 100x the time', () => {
    for (const p of ["'", '<a ', '../', "' or 1=1 ", '&#', '$(', 'on']) {
      const small = p.repeat(Math.ceil(10_000 / p.length));
      const large = p.repeat(Math.ceil(100_000 / p.length));
      let a = Infinity, b = Infinity;
      for (let i = 0; i < 5; i++) { a = Math.min(a, timeOf(small)); b = Math.min(b, timeOf(large)); }
      expect(b / Math.max(a, 0.05), `pattern ${JSON.stringify(p)}`).toBeLessThan(40);
    }
  });
});
