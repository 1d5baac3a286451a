import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { decodeJwt, forgeries, parseIdentity } from './auth.js';

const part = (o: object): string => base64url.encode(JSON.stringify(o));
const token = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'alice', aud: 'shop', exp: 2_000_000_000 })}.c2lnbmF0dXJl`;
const decodePart = (p: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(base64url.decode(p))) as Record<string, unknown>;

describe('identities', () => {
  it('parses name=Header:Value with colons and equals signs in the value', () => {
    expect(parseIdentity('user1=Authorization:Bearer a=b:c')).toEqual({ name: 'user1', header: 'Authorization', value: 'Bearer a=b:c' });
  });

  it('refuses a malformed --auth with a message naming the expected form', () => {
    for (const bad of ['user1', 'user1=Authorization', '=Authorization:x', 'user 1=Authorization:x', 'u=Bad Header:x', 'u=X-Key:']) {
      expect(() => parseIdentity(bad)).toThrow(/expected name=Header:Value/);
    }
  });
});

describe('forged credentials', () => {
  const now = 1_700_000_000;
  const forged = Object.fromEntries(forgeries({ name: 'u', header: 'Authorization', value: `Bearer ${token}` }, now).map((f) => [f.id, f.value]));

  it('removes the credential and sends a malformed one', () => {
    expect(forged['no-credentials']).toBeUndefined();
    expect(decodeJwt(forged.malformed as string)).toBeUndefined();
  });

  it('re-encodes the real payload unsigned with alg none', () => {
    const value = forged['alg-none'] as string;
    expect(value.startsWith('Bearer ')).toBe(true);
    const [h, p, sig] = value.slice(7).split('.');
    expect(decodePart(h as string).alg).toBe('none');
    expect(decodePart(p as string).sub).toBe('alice');
    expect(sig).toBe('');
  });

  it('builds an expired token, a wrong-audience token and one signed by another key', () => {
    const expired = decodeJwt(forged.expired as string);
    expect(Number(expired?.payload.exp)).toBeLessThan(now);
    expect(decodeJwt(forged['wrong-audience'] as string)?.payload.aud).not.toBe('shop');
    const resigned = (forged['bad-signature'] as string).split('.');
    expect(resigned[2]).not.toBe('c2lnbmF0dXJl');
    expect(decodeJwt(forged['bad-signature'] as string)?.header.alg).toBe('HS256');
  });

  it('only tries removal and a malformed value for a credential that is not a JWT', () => {
    expect(forgeries({ name: 'k', header: 'X-Api-Key', value: 'key-123456' }, now).map((f) => f.id)).toEqual(['no-credentials', 'malformed']);
  });
});
