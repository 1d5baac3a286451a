import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stripUndeclared } from './strip.js';
import { conformsToDeclared } from './strip-scan.js';

/*
 * The scan must agree with what it replaces: true exactly when JSON.parse succeeds and
 * stripUndeclared removes nothing. Checked against both on generated values and schemas, and on
 * mangled texts, where a wrong "true" would send invalid JSON or undeclared fields to a client.
 */

const KEYS = ['id', 'name', 'tags', 'x-1', 'é', 'a"b', '__proto__', 'password'];
const key = fc.constantFrom(...KEYS);

const schema: fc.Arbitrary<object> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.constant({ type: 'string' }),
    fc.record({
      type: fc.constant('object'),
      properties: fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      additionalProperties: fc.oneof(fc.constant(undefined), fc.boolean(), tie('node')),
      patternProperties: fc.oneof(fc.constant(undefined), fc.constant({ '^x-': {} })),
    }, { requiredKeys: ['type'] }),
    fc.record({ type: fc.constant('array'), items: tie('node') }),
    fc.record({ prefixItems: fc.array(tie('node'), { maxLength: 2 }), items: tie('node') }),
    fc.record({ allOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ oneOf: fc.array(tie('node'), { minLength: 1, maxLength: 2 }) }),
  ),
})).node;

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' },
    fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(key, tie('v'), { maxKeys: 5 }),
  ),
})).v;

function expected(text: string, s: object): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  return stripUndeclared(parsed, s) === 0;
}

describe('conformsToDeclared', () => {
  it('agrees with JSON.parse + stripUndeclared on generated values and schemas', () => {
    fc.assert(fc.property(value, schema, fc.boolean(), (v, s, pretty) => {
      const text = JSON.stringify(v, null, pretty ? 2 : undefined);
      expect(conformsToDeclared(Buffer.from(text), s)).toBe(expected(text, s));
    }), { numRuns: 3000 });
  });

  it('never passes a text JSON.parse refuses', () => {
    const mangled = fc.tuple(value, fc.nat(), fc.constantFrom('', '"', '\\', ',', '}', ']', '{', '[', '\u0001', 'tru', '-', '01', '1.', '1e', '\\u12', ' x'))
      .map(([v, at, insert]) => { const t = JSON.stringify(v); const i = at % (t.length + 1); return t.slice(0, i) + insert + t.slice(i); });
    fc.assert(fc.property(mangled, (text) => {
      if (conformsToDeclared(Buffer.from(text), {})) expect(() => JSON.parse(text)).not.toThrow();
    }), { numRuns: 5000 });
  });

  it('refuses what strip would remove and passes what it would keep, escaped keys included', () => {
    const item = { type: 'object', properties: { id: { type: 'integer' }, tags: { type: 'array', items: { type: 'object', properties: { name: {} } } } } };
    expect(conformsToDeclared(Buffer.from('{"id":1,"tags":[{"name":"a"}]}'), item)).toBe(true);
    expect(conformsToDeclared(Buffer.from('{"id":1,"password":"x"}'), item)).toBe(false);
    expect(conformsToDeclared(Buffer.from('{"\\u0069d":1}'), item)).toBe(true);
    expect(conformsToDeclared(Buffer.from('{"id":1,"tags":[{"name":"a","hash":"x"}]}'), item)).toBe(false);
    expect(conformsToDeclared(Buffer.from('{"id":1} x'), item)).toBe(false);
    expect(conformsToDeclared(Buffer.from('\ufeff{"id":1}'), item)).toBe(false);
    expect(conformsToDeclared(Buffer.from('['.repeat(100_000)), item)).toBe(false);
  });
});
