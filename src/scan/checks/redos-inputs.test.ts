import { describe, expect, it } from 'vitest';
import { defaultShapes, predict, shapesForPattern, superlinear } from './redos-inputs.js';

describe('ReDoS attack shapes', () => {
  it('finds a shape that makes a backtracking spec pattern blow up', () => {
    for (const pattern of ['^([a-z0-9]+-?)*$', '^(\\w+\\s?)*$', '^([a-zA-Z0-9]+[._-]?)+@example\\.com$']) {
      const shape = shapesForPattern(pattern)[0];
      expect(shape?.kind, pattern).toBe('exponential');
      if (shape === undefined) continue;
      // The attack is a long run the repetition can split many ways, then a character that fails the match.
      expect(new RegExp(pattern).test(shape.attack(8))).toBe(false);
      expect(shape.attack(8).length).toBeGreaterThanOrEqual(9);
      expect(shape.control(20)).toHaveLength(shape.attack(20).length);
    }
  });

  it('finds no shape for patterns that match in linear time', () => {
    for (const pattern of ['^[a-z0-9-]{1,40}$', '^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$', '^\\d{4}-\\d{2}-\\d{2}$', '^(?:[a-z0-9]+(?:-[a-z0-9]+)*)?$']) {
      expect(shapesForPattern(pattern), pattern).toEqual([]);
    }
  });

  it('ignores a pattern that does not compile', () => {
    expect(shapesForPattern('(unclosed')).toEqual([]);
  });

  it('uses field-specific shapes where there is no pattern', () => {
    expect(defaultShapes('email', {}).map((s) => s.attack(3))).toEqual(['aaa!', 'a@aaa!']);
    expect(defaultShapes('homepage', { format: 'uri' }).map((s) => s.attack(3))).toEqual(['aaa!', 'http://aaa!']);
    expect(defaultShapes('count', {})).toHaveLength(1);
  });
});

describe('super-linear growth', () => {
  const exponential = [12, 16, 20, 22, 24, 26].map((n) => ({ n, ms: 2 + 0.00002 * 2 ** n }));
  const linear = [12, 16, 20, 22, 24, 26].map((n) => ({ n, ms: 200 + 10 * n }));

  it('tells exponential growth from a slow but linear service', () => {
    expect(superlinear(exponential, 2, 'exponential').yes).toBe(true);
    expect(superlinear(linear, 2, 'exponential').yes).toBe(false);
    expect(superlinear(linear, 200, 'exponential').yes).toBe(false);
  });

  it('needs a slow enough largest answer, not noise above the floor', () => {
    expect(superlinear([{ n: 20, ms: 25 }, { n: 22, ms: 90 }], 1, 'exponential').yes).toBe(false);
    expect(superlinear([{ n: 20, ms: 3 }, { n: 40, ms: 9 }], 1, 'exponential').yes).toBe(false);
  });

  it('accepts quadratic growth for polynomial shapes', () => {
    const quadratic = [1024, 2048, 4096, 8192].map((n) => ({ n, ms: 1 + (n / 1024) ** 2 * 12 }));
    expect(superlinear(quadratic, 1, 'polynomial').yes).toBe(true);
    expect(superlinear(quadratic.map((p) => ({ n: p.n, ms: 1 + p.n / 40 })), 1, 'polynomial').yes).toBe(false);
  });

  it('predicts the next size from the last two, so a hang is never sent', () => {
    expect(predict([{ n: 24, ms: 100 }, { n: 26, ms: 400 }], 28, 'exponential')).toBeCloseTo(1600);
    expect(predict([{ n: 2048, ms: 50 }, { n: 4096, ms: 200 }], 8192, 'polynomial')).toBeCloseTo(800);
    expect(predict([{ n: 12, ms: 1 }], 16, 'exponential')).toBe(0);
  });
});
