import { describe, expect, it } from 'vitest';
import { walkShape } from '../../src/inventory/shape.js';

describe('body shapes', () => {
  it('records field paths and types, never values', () => {
    const shape = walkShape({ id: 7, price: 9.5, name: 'Ann', tags: ['a'], owner: { email: 'ann@example.com', active: true, note: null } });
    expect(shape.fields).toEqual({
      id: 'integer', price: 'number', name: 'string', tags: 'array', 'tags[]': 'string',
      owner: 'object', 'owner.email': 'string', 'owner.active': 'boolean', 'owner.note': 'null',
    });
    expect(JSON.stringify(shape)).not.toContain('ann@example.com');
    expect(JSON.stringify(shape)).not.toContain('Ann');
  });

  it('classifies sensitive fields by value shape and by name', () => {
    const shape = walkShape([{
      email: 'bob@example.org', card: '4111-1111-1111-1111', notACard: '4111-1111-1111-1112', phone: '+1 (415) 555-0100',
      ssn: '123-45-6789', auth: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', password: 'x', street: 'Main St 1', passportNumber: 'X1', api_key: 'k',
    }]);
    expect(shape.sensitive).toEqual({
      '[].email': 'email', '[].card': 'card', '[].phone': 'phone', '[].ssn': 'ssn', '[].auth': 'token',
      '[].password': 'secret', '[].street': 'address', '[].passportNumber': 'national-id', '[].api_key': 'secret',
    });
  });

  it('caps the walk on big bodies: it reads a bounded number of values, whatever the body holds', () => {
    const big = { items: Array.from({ length: 10_000 }, (_, i) => ({ id: i, deep: { a: { b: { c: 1 } } } })) };
    // Counted work, not time: every value the walk reads goes through this proxy.
    let reads = 0;
    const counted = (v: unknown): unknown => (v === null || typeof v !== 'object' ? v : new Proxy(v, {
      get(target, key, receiver) {
        if (typeof key === 'string' && key !== 'length') reads++;
        return counted(Reflect.get(target, key, receiver) as unknown);
      },
      ownKeys(target) {
        reads++;
        return Reflect.ownKeys(target);
      },
    }));
    const shape = walkShape(counted(big), { maxFields: 50, maxDepth: 8, arrayItems: 3 });
    expect(reads).toBeLessThan(100);
    expect(shape.truncated).toBe(true);
    expect(shape.fields['items[].deep.a.b.c']).toBe('integer');
  });

  it('stops at the depth cap', () => {
    let v: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) v = { n: v };
    const shape = walkShape(v, { maxFields: 200, maxDepth: 4, arrayItems: 3 });
    expect(shape.truncated).toBe(true);
    expect(Object.keys(shape.fields).every((k) => k.split('.').length <= 4)).toBe(true);
  });
});
