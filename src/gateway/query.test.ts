import { describe, expect, it } from 'vitest';
import { parseQuery } from './query.js';

describe('parseQuery', () => {
  it('gives each name its value, a repeated name an array, + as a space', () => {
    const q = parseQuery('a=1&b=x+y&a=2&c&d=%C3%A9');
    expect({ ...q }).toEqual({ a: ['1', '2'], b: 'x y', c: '', d: 'é' });
  });

  it('keeps __proto__, constructor and other Object.prototype names as plain data', () => {
    const q = parseQuery('__proto__=1&constructor=2&toString=3&hasOwnProperty=4') as Record<string, unknown>;
    expect(Object.keys(q)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(q.__proto__).toBe('1');
    expect(q.constructor).toBe('2');
    expect(q.toString).toBe('3');
  });

  it('inherits nothing: a parameter the client did not send is undefined, whatever its name', () => {
    const q = parseQuery('a=1') as Record<string, unknown>;
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) expect(q[name]).toBeUndefined();
    expect(q.a).toBe('1');
  });

  it('refuses malformed percent-encoding', () => {
    expect(parseQuery('a=%zz')).toBeUndefined();
    expect(parseQuery('%E0%A4%A=1')).toBeUndefined();
  });
});
