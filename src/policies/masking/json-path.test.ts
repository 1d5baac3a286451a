import { describe, expect, it } from 'vitest';
import { compilePath, visitPath } from './json-path.js';

function paths(value: unknown, path: string): string[] {
  const out: string[] = [];
  visitPath(value, compilePath(path), (container, key) => out.push(`${String(key)}=${JSON.stringify((container as Record<string, unknown>)[key])}`));
  return out;
}

describe('masking json paths', () => {
  const doc = { card: { number: '4111' }, items: [{ email: 'a@x.io' }, { email: 'b@x.io' }], nested: { deep: { email: 'c@x.io' } } };

  it('follows a plain path', () => {
    expect(paths(doc, '$.card.number')).toEqual(['number="4111"']);
  });
  it('follows array wildcards', () => {
    expect(paths(doc, '$.items[*].email')).toEqual(['email="a@x.io"', 'email="b@x.io"']);
  });
  it('finds a name at any depth with ..', () => {
    expect(paths(doc, '$..email').sort()).toEqual(['email="a@x.io"', 'email="b@x.io"', 'email="c@x.io"']);
  });
  it('ignores paths that do not exist', () => {
    expect(paths(doc, '$.card.cvv')).toEqual([]);
    expect(paths([1, 2], '$.a')).toEqual([]);
  });
  it('refuses syntax it does not support', () => {
    expect(() => compilePath('$[0]')).toThrow(/unsupported/);
  });
});
