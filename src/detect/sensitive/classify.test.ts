import { describe, expect, it } from 'vitest';
import { classifyValue, isSensitiveName, luhn } from './classify.js';

describe('sensitive value classification', () => {
  it.each([
    ['ada@example.com', 'email'],
    ['4111 1111 1111 1111', 'card'],
    ['5500-0000-0000-0004', 'card'],
    ['+44 20 7946 0958', 'phone'],
    ['123-45-6789', 'ssn'],
    ['GB82WEST12345698765432', 'iban'],
    ['eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'jwt'],
    ['sk_live_abcdefghijklmnop', 'secret'],
    ['AKIAIOSFODNN7EXAMPLE', 'secret'],
    ['192.168.10.20', 'ipv4'],
  ])('classifies %s as %s', (value, category) => {
    expect(classifyValue(value)).toBe(category);
  });

  it.each(['hello world', '4111 1111 1111 1112', 'order-2026-11-29', '1234567890', 'GB82WEST12345698765431', 'not an email@', '2026-11-29T10:00:00Z', 'Rue de la Paix 12'])('leaves %s alone', (value) => {
    expect(classifyValue(value)).toBeUndefined();
  });

  it('checks Luhn', () => {
    expect(luhn('79927398713')).toBe(true);
    expect(luhn('79927398710')).toBe(false);
  });

  it('knows sensitive field names', () => {
    for (const name of ['password', 'passwordHash', 'api_key', 'clientSecret', 'accessToken', 'ssn']) expect(isSensitiveName(name)).toBe(true);
    for (const name of ['name', 'email', 'tokenizer', 'description']) expect(isSensitiveName(name)).toBe(false);
  });
});
