import { describe, expect, it } from 'vitest';
import { formText, isQueryFailure, parseQuery } from './query.js';

const values = (text: string, charset?: Parameters<typeof parseQuery>[1]) => {
  const q = parseQuery(text, charset);
  if (isQueryFailure(q)) throw new Error(`refused: ${q.failure}`);
  return { ...q };
};

describe('parseQuery', () => {
  it('gives each name its value, a repeated name an array, + as a space', () => {
    expect(values('a=1&b=x+y&a=2&c&d=%C3%A9&e=%2B')).toEqual({ a: ['1', '2'], b: 'x y', c: '', d: 'é', e: '+' });
  });

  it('keeps __proto__, constructor and other Object.prototype names as plain data', () => {
    const q = values('__proto__=1&constructor=2&toString=3&hasOwnProperty=4') as Record<string, unknown>;
    expect(Object.keys(q)).toEqual(['__proto__', 'constructor', 'toString', 'hasOwnProperty']);
    expect(q.constructor).toBe('2');
    expect(q.toString).toBe('3');
  });

  it('inherits nothing: a parameter the client did not send is undefined, whatever its name', () => {
    const q = parseQuery('a=1') as Record<string, unknown>;
    for (const name of ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf']) expect(q[name]).toBeUndefined();
    expect(q.a).toBe('1');
  });

  it('tells malformed percent-encoding from bytes that are not text in the charset', () => {
    for (const text of ['a=%zz', 'a=%G1', 'a=%2', 'a=%', '%E0%A4%A=1']) expect(parseQuery(text)).toEqual({ failure: 'malformed' });
    for (const text of ['nombre=H%E9ctor', 'a=%C0%AF', 'a=%ED%A0%80', 'a=%FF']) expect(parseQuery(text)).toEqual({ failure: 'charset' });
    expect(parseQuery('a=%G1', 'iso-8859-1')).toEqual({ failure: 'malformed' });
  });

  it('decodes percent-encoded bytes in the configured charset', () => {
    expect(values('nombre=H%E9ctor', 'iso-8859-1')).toEqual({ nombre: 'Héctor' });
    expect(values('nombre=H%E9ctor', 'windows-1252')).toEqual({ nombre: 'Héctor' });
    // 0x80 is the euro sign in windows-1252 and a C1 control in ISO-8859-1.
    expect(values('p=%80', 'windows-1252')).toEqual({ p: '€' });
    expect(values('p=%80', 'iso-8859-1')).toEqual({ p: '\u0080' });
    expect(values('q=%93hi%94+x', 'windows-1252')).toEqual({ q: '\u201chi\u201d x' });
    // Bytes windows-1252 leaves undefined are refused: decoders disagree on them.
    expect(parseQuery('p=%81', 'windows-1252')).toEqual({ failure: 'charset' });
    // UTF-8 sent to a Latin-1 API is read byte by byte, as the upstream reads it.
    expect(values('d=%C3%A9', 'iso-8859-1')).toEqual({ d: 'Ã©' });
  });

  it('refuses ; which some parsers read as a separator', () => {
    expect(parseQuery('role=user;role=admin')).toEqual({ failure: 'separator' });
    expect(values('role=user%3Brole=admin')).toEqual({ role: 'user;role=admin' });
  });
});

describe('formText', () => {
  it('refuses a UTF-8 body that does not decode and reads Latin-1 bodies byte by byte', () => {
    expect(formText(Buffer.from([0x6e, 0x3d, 0xe9]), 'utf-8')).toEqual({ failure: 'charset' });
    const latin1 = formText(Buffer.from('nombre=H\u00e9ctor', 'latin1'), 'iso-8859-1') as string;
    expect(values(latin1, 'iso-8859-1')).toEqual({ nombre: 'Héctor' });
  });
});
