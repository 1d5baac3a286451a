import { describe, expect, it } from 'vitest';
import { normalizePath } from './path.js';

const code = (path: string): string | undefined => {
  const result = normalizePath(path);
  return typeof result === 'string' ? undefined : result.code;
};

describe('normalizePath', () => {
  it('leaves a plain path as it is (the same string, no work)', () => {
    const path = '/api/users/1';
    expect(normalizePath(path)).toBe(path);
    expect(normalizePath('/api/files/report.json')).toBe('/api/files/report.json');
    expect(normalizePath('/a/.well-known/b..c/...')).toBe('/a/.well-known/b..c/...');
  });

  it('merges runs of slashes, decodes escaped unreserved characters and upper-cases other escapes', () => {
    expect(normalizePath('//api//users///1')).toBe('/api/users/1');
    expect(normalizePath('/us%65rs/%7Eme/%2d%5F')).toBe('/users/~me/-_');
    expect(normalizePath('/a%2a%3a%c3%a9')).toBe('/a%2A%3A%C3%A9');
  });

  it('refuses dot-segments however they are written, backslashes and NUL', () => {
    for (const path of ['/a/../b', '/a/./b', '/a/..', '/a/%2e%2E/b', '/a/.%2e/b', '/a/%252e%252e/b', '/a\\b', '/a/%5cb', '/a/%00', '//..//b']) {
      expect(code(path), path).toBe('GH_REQUEST_MALFORMED');
    }
  });

  it('refuses encoded slashes as ambiguous, malformed escapes and non-UTF-8 bytes with their own codes', () => {
    expect(code('/files/a%2Fb')).toBe('GH_REQUEST_AMBIGUOUS');
    expect(code('/files/a%2fb')).toBe('GH_REQUEST_AMBIGUOUS');
    expect(code('/files/a%252Fb')).toBe('GH_REQUEST_MALFORMED');
    expect(code('/files/%G1')).toBe('GH_REQUEST_ENCODING_MALFORMED');
    expect(code('/files/a%2')).toBe('GH_REQUEST_ENCODING_MALFORMED');
    expect(code('/files/H%E9ctor')).toBe('GH_REQUEST_CHARSET_INVALID');
    expect(code('/files/%ED%A0%80')).toBe('GH_REQUEST_CHARSET_INVALID');
    expect(normalizePath('/files/%25')).toBe('/files/%25');
  });
});
