import { describe, expect, it } from 'vitest';
import { detectObject, detectRequest } from './index.js';

describe('detectObject', () => {
  it('refuses operator keys and names their location; passes JSON Schema keys', () => {
    expect(detectObject({ user: 'a', password: { $ne: null } })).toMatchObject({ category: 'nosqli', rule: 'nosqli.operator', fragment: '$ne', location: 'body.password.$ne' });
    expect(detectObject({ schema: { $ref: '#/x', $id: 'y' } })).toBeUndefined();
  });
  it('refuses __proto__ and constructor.prototype keys, passes an ordinary constructor field', () => {
    expect(detectObject(JSON.parse('{"a":{"__proto__":{"isAdmin":true}}}'))?.category).toBe('prototype-pollution');
    expect(detectObject({ constructor: { prototype: { x: 1 } } })?.category).toBe('prototype-pollution');
    expect(detectObject({ constructor: 'Ada Lovelace' })).toBeUndefined();
  });
  it('judges nested string values and array items', () => {
    expect(detectObject({ items: [{ note: 'fine' }, { note: "x' OR '1'='1" }] })?.location).toBe('body.items[1].note');
  });
  it('stops at the depth and node bounds', () => {
    let deep: unknown = "' OR 1=1--";
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(detectObject(deep, undefined, 'body', { maxDepth: 10 })).toBeUndefined();
    expect(detectObject(deep)).toBeUndefined(); // deeper than the default 64
  });
});

describe('detectRequest', () => {
  it('finds attacks in query keys and values, path, headers and bodies', () => {
    const found = detectRequest({
      method: 'POST',
      uri: '/files/..%2f..%2fetc/passwd?user[$ne]=1&q=' + encodeURIComponent("' OR 1=1--"),
      headers: { 'content-type': 'application/json', 'user-agent': 'x; cat /etc/passwd' },
      body: '{"__proto__": {"a": 1}}',
    });
    expect(found.map((d) => d.category).sort()).toEqual(['cmdi', 'nosqli', 'path-traversal', 'prototype-pollution', 'sqli']);
  });
  it('passes a clean request', () => {
    expect(detectRequest({
      method: 'GET', uri: '/search?q=O%27Brien&sort=asc',
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)', referer: 'http://localhost:3000/' },
    })).toEqual([]);
  });
});
