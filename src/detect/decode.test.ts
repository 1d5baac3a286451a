import { describe, expect, it } from 'vitest';
import { entityDecode, escapeDecode, foldLookalikes, markedBase64, normalise, percentDecode } from './decode.js';

describe('normalise', () => {
  it('undoes double URL encoding, overlong UTF-8 and %u escapes', () => {
    expect(normalise('%252e%252e%252f')).toBe('../');
    expect(percentDecode('..%c0%af')).toBe('../');
    expect(percentDecode('%u003cscript')).toBe('<script');
  });
  it('reads the 5- and 6-byte overlong forms and the lenient C0/C1 forms old servers decoded', () => {
    expect(percentDecode('%f8%80%80%80%ae%fc%80%80%80%80%ae%f8%80%80%80%af')).toBe('../');
    expect(percentDecode('%c0%2e%c0%2e%c1%1c')).toBe('..\\');
    // A lone lead byte followed by an ordinary byte is still Latin-1 text.
    expect(percentDecode('caf%e9 ok')).toBe('café ok');
  });
  it('folds the fullwidth and slash look-alikes a best-fit conversion turns into ASCII', () => {
    expect(normalise('%uff0e%uff0e%u2215etc%u2215passwd')).toBe('../etc/passwd');
    expect(foldLookalikes('＜script＞')).toBe('<script>');
    expect(foldLookalikes('plain text')).toBe('plain text');
  });
  it('decodes HTML entities with and without the semicolon, and JS escapes, \\x runs as UTF-8', () => {
    expect(entityDecode('&lt;a&#62;&#x3C;&#0000060')).toBe('<a><<');
    expect(escapeDecode('\\u0027 OR \\x31=1')).toBe("' OR 1=1");
    expect(escapeDecode('\\xE2\\x80\\xA8javascript:')).toBe('\u2028javascript:');
  });
  it('returns the same string when there is nothing to decode, and leaves stray % & \\ alone', () => {
    const s = '50% off at AT&T, C:\\xampp';
    expect(normalise(s)).toBe(s);
  });
  it('decodes base64 only where the value marks it, and only to printable text', () => {
    expect(markedBase64('data:text/plain;base64,PD9waHAgc3lzdGVtKCdpZCcpOyA/Pg==')).toBe("<?php system('id'); ?>");
    expect(markedBase64('powershell -enc SQBFAFgAIAAoACcAaQBkACcAKQA=')).toBe("IEX ('id')");
    expect(markedBase64('PD9waHAgc3lzdGVtKCdpZCcpOyA/Pg==')).toBeUndefined();
    expect(markedBase64('data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB')).toBeUndefined();
  });
});
