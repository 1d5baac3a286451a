import { describe, expect, it } from 'vitest';
import { detectValue, type Category, type DetectContext } from './index.js';

function category(value: string, ctx?: DetectContext): Category | undefined {
  return detectValue(value, ctx)?.category;
}

describe('detectValue, one attack and its legitimate twin per category', () => {
  it.each<[Category, string, string, DetectContext | undefined]>([
    ['nosqli', 'user[$ne]=1', 'user[name]=1', undefined],
    ['nosqli', '{"password": {"$gt": ""}}', '{"price": "$5"}', undefined],
    ['nosqli', "' || '1'=='1", "'a' || 'b'", undefined],
    ['cmdi', 'file.txt; cat /etc/passwd', 'fish; cat lovers unite', undefined],
    ['cmdi', '127.0.0.1 | id', 'Tom | Jerry', undefined],
    ['cmdi', 'x$(whoami)', '$(document).ready(fn)', undefined],
    ['cmdi', 'a`id`', 'Run `npm test` first', undefined],
    ['cmdi', '127.0.0.1%0aid', 'line one\nline two', undefined],
    ['cmdi', 'x;sleep 5', 'Wake up; sleep 8 hours', undefined],
    ['path-traversal', '../../../etc/passwd', '../README.md', undefined],
    ['path-traversal', '..%252f..%252f..%252fetc%252fpasswd', 'docs/guide/intro.md', undefined],
    ['path-traversal', '../config.json', 'config.json', { kind: 'path' }],
    ['path-traversal', '/etc/shadow', 'edit /etc/hosts to add a name', undefined],
    ['ssrf', 'http://169.254.169.254/latest/meta-data/', 'https://example.com/latest', { kind: 'url' }],
    ['ssrf', 'http://2130706433/', 'http://93.184.216.34/', { kind: 'url' }],
    ['ssrf', 'http://[::ffff:127.0.0.1]:8080/', 'http://[2606:4700::1111]/', { kind: 'url' }],
    ['ssrf', 'gopher://127.0.0.1:6379/_INFO', 'https://gopher.example.com/', { kind: 'url' }],
    ['ssrf', 'localhost:6379', 'example.com:443', { kind: 'url' }],
    ['ssrf', 'http://127.0.0.1.nip.io/', 'https://nip.example.io/', { kind: 'url' }],
    ['xss', '<script>alert(1)</script>', '<b>bold</b> text', undefined],
    ['xss', '<img src=x onerror=alert(1)>', '<img src="cat.png" alt="a cat">', undefined],
    ['xss', '" onmouseover="alert(1)', 'the online= flag', undefined],
    ['xss', 'javascript:alert(document.cookie)', 'java script: a language', { kind: 'rendered' }],
    ['xss', '&lt;svg onload=alert(1)&gt;', 'a &lt; b', undefined],
    ['prototype-pollution', '__proto__.isAdmin', 'proto.isAdmin', undefined],
    ['prototype-pollution', 'constructor[prototype][x]', 'constructor name', undefined],
  ])('%s: refuses %j and passes %j', (cat, attack, twin, ctx) => {
    expect(category(attack, ctx)).toBe(cat);
    expect(detectValue(twin, ctx)).toBeUndefined();
  });

  it('leaves SSRF to URL fields unless the whole value is a URL', () => {
    expect(category('see http://localhost:3000 for docs')).toBeUndefined();
    expect(category('http://localhost:3000/admin')).toBe('ssrf');
  });

  it('checks only the categories asked for', () => {
    expect(detectValue("' OR 1=1--", { categories: new Set(['xss']) })).toBeUndefined();
    expect(detectValue("' OR 1=1--", { categories: new Set(['sqli']) })?.category).toBe('sqli');
  });

  it('returns undefined for plain values on the fast path', () => {
    for (const v of ['hello', 'Jean-Luc Picard', 'a.b@example.com', '42', 'v1.2.3']) expect(detectValue(v)).toBeUndefined();
  });
});
