import { describe, expect, it } from 'vitest';
import { compileNeedles } from './needles.js';

describe('compileNeedles', () => {
  const n = compileNeedles(['.downloadstring(', 'iex(', 'ex(', 'string']);
  it('finds the first match by end position, case-folded, with its needle and span', () => {
    expect(n.first('x.DownloadString(y)')).toEqual({ id: 3, start: 10, end: 16 });
    expect(n.first('IEX(1)')).toEqual({ id: 1, start: 0, end: 4 }); // the longest needle ending there
    expect(n.first('nothing here')).toBeUndefined();
  });
  it('reports every needle that ends at a position, overlapping ones included, and continues from an offset', () => {
    const seen: string[] = [];
    n.each('iex(', (id) => { seen.push(n.list[id] as string); return false; });
    expect(seen.sort()).toEqual(['ex(', 'iex(']);
    expect(n.first('ex( then ex(', 4)).toEqual({ id: 2, start: 9, end: 12 });
  });
  it('refuses a needle it cannot fold', () => {
    expect(() => compileNeedles(['café'])).toThrow(/ASCII only/);
  });
});
