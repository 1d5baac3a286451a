import { describe, expect, it } from 'vitest';
import { evaluated, SYNTAXES } from './ssti.js';

describe('template injection evidence', () => {
  it('gives each syntax its own product, so the evaluated one is named', () => {
    const products = SYNTAXES.map((s) => String(7919 * s.b));
    expect(new Set(products).size).toBe(SYNTAXES.length);
    expect(evaluated('<p>62615533</p>', '<p>hello</p>')?.family).toMatch(/\{\{ \}\}/);
    expect(evaluated(`total ${7919 * 7883}`, '')?.family).toMatch(/<%= %>/);
  });

  it('needs the product itself: an echo of the expression, or a product already in the normal answer, is not evidence', () => {
    const polyglot = SYNTAXES.map((s) => s.expr(7919, s.b)).join(' ');
    expect(polyglot).not.toMatch(/62615533/);
    expect(evaluated(`you searched for ${polyglot}`, '')).toBeUndefined();
    expect(evaluated('order 62615533', 'order 62615533')).toBeUndefined();
  });
});
