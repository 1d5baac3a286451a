import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactAsDouble, findJsonAmbiguity } from './json-strict.js';

const problem = (text: string) => {
  JSON.parse(text); // the scanner runs on valid JSON only
  return findJsonAmbiguity(text);
};

describe('findJsonAmbiguity', () => {
  it('refuses a member name repeated in one object, at any depth, escaped or not', () => {
    expect(problem('{"email":123,"email":"a@b.c"}')).toMatchObject({ pointer: '/email' });
    expect(problem('{"a":{"b":[1,{"c":1,"d":2,"c":3}]}}')).toMatchObject({ pointer: '/a/b/1/c' });
    expect(problem('{"role":"user","r\\u006fle":"admin"}')).toMatchObject({ pointer: '/role' });
    expect(problem('[{"x":1},{"x":2}]')).toBeUndefined();
    expect(problem('{"a":{"x":1},"b":{"x":2},"x":3}')).toBeUndefined();
  });

  it('finds a duplicate in a large object (the Set path) and allows many distinct names', () => {
    const names = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    expect(problem(`{${names.join(',')}}`)).toBeUndefined();
    expect(problem(`{${names.join(',')},"k3":0}`)).toMatchObject({ pointer: '/k3' });
  });

  it('does not take strings holding braces, commas or quotes for structure', () => {
    expect(problem('{"a":"{\\"a\\":1,","b":"\\\\","c":"]"}')).toBeUndefined();
    expect(problem('{"a":"\\"","a2":"x"}')).toBeUndefined();
  });

  it('refuses escaped lone surrogates and allows escaped pairs', () => {
    expect(problem('{"name":"\\ud800"}')?.detail).toMatch(/surrogate/);
    expect(problem('{"name":"\\udc00x"}')?.detail).toMatch(/surrogate/);
    expect(problem('{"name":"\\ud800\\u0041"}')?.detail).toMatch(/surrogate/);
    expect(problem('["\\uD83D\\uDE00", "😀", "\\u00e9"]')).toBeUndefined();
  });

  it('refuses numbers a double cannot hold exactly, and -0 as an integer', () => {
    for (const n of ['9007199254740993', '-9007199254740993', '1e400', '-1e400', '1e-400', '0.1000000000000000000001', '12345678901234567890', '-0']) {
      expect(problem(`{"n":${n}}`), n).toMatchObject({ pointer: '/n' });
    }
    for (const n of ['0', '-1', '9007199254740991', '-9007199254740991', '9007199254740992', '0.1', '749.5', '1e2', '1E+2', '2.5e-3', '0.30000000000000004', '5e-324', '1.7976931348623157e308', '-0.0', '100.000', '0e10']) {
      expect(problem(`{"n":${n}}`), n).toBeUndefined();
    }
  });

  it('points into arrays', () => {
    expect(problem('{"list":[1,2,1e999]}')).toMatchObject({ pointer: '/list/2' });
  });

  it('refuses a large double JSON.stringify writes as zero-padded digits: integer readers read another value', () => {
    // 2^60 prints as 1152921504606847000, which Python reads as an int 24 above the double.
    expect(problem(JSON.stringify({ n: 2 ** 60 }))).toMatchObject({ pointer: '/n' });
    expect(problem('{"n":1152921504606846976}')).toBeUndefined();
  });

  it('accepts whatever JSON.stringify writes from plain data within a double\'s integer range', () => {
    const plain = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0) && Math.abs(d) < 2 ** 53), fc.boolean(), fc.constant(null),
        fc.array(tie('value'), { maxLength: 5 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(fc.property(plain, (value) => {
      // fc.string() may produce lone surrogates; JSON.stringify escapes them, and they are refused.
      const text = JSON.stringify(value);
      const found = findJsonAmbiguity(text);
      if (found !== undefined) expect(found.detail).toMatch(/surrogate/);
    }), { numRuns: 300 });
  });
});

describe('exactAsDouble', () => {
  it('compares the literal with the shortest form of its double', () => {
    expect(exactAsDouble('0.1')).toBe(true);
    expect(exactAsDouble('1.5e300')).toBe(true);
    expect(exactAsDouble('0.300000000000000041')).toBe(false);
    expect(exactAsDouble('4e-324')).toBe(false);
  });
});
