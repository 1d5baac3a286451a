import { describe, expect, it } from 'vitest';
import { entityDecode, escapeDecode, normalise, percentDecode } from './decode.js';

describe('normalise', () => {
  it('undoes double URL encoding, overlong UTF-8 and %u escapes', () => {
    expect(normalise('%252e%252e%252f')).toBe('../');
    expect(percentDecode('..%c0%af')).toBe('../');
    expect(percentDecode('%u003cscript')).toBe('<script');
  });
  it('decodes HTML entities with and without the semicolon, and JS escapes', () => {
    expect(entityDecode('&lt;a&#62;&#x3C;&#0000060')).toBe('<a><<');
    expect(escapeDecode('\\u0027 OR \\x31=1')).toBe("' OR 1=1");
  });
  it('returns the same string when there is nothing to decode, and leaves stray % & \\ alone', () => {
    const s = '50% off at AT&T, C:\\xampp';
    expect(normalise(s)).toBe(s);
  });
});
