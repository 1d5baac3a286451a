import { describe, expect, it } from 'vitest';
import type { Operation } from '../../openapi/index.js';
import { Profile } from '../values.js';
import { credentialIn, sensitiveHits } from './exposure.js';

const op = (path: string): Operation => ({ id: 'x', method: 'GET', path, operationId: undefined } as unknown as Operation);
const alice = new Profile();
alice.learn({ sub: '7', username: 'alice', email: 'alice@example.org' });

describe('sensitive data needs evidence in the value or in whose it is', () => {
  it('does not file a user reading her own record whose field is called secret', () => {
    expect(sensitiveHits(op('/me'), { id: 7, username: 'alice', secret: 'my diary: tuesday', token: 'x' }, alice, undefined)).toEqual([]);
  });

  it('files another user\'s secret field, and an anonymous caller reading a user\'s secret', () => {
    expect(sensitiveHits(op('/users/{id}'), { id: 8, username: 'bob', secret: 'bob diary' }, alice, undefined).map((h) => h.what)).toEqual(['secret of another user']);
    expect(sensitiveHits(op('/users'), [{ id: 8, username: 'bob', password: 'x y z' }], undefined, undefined).map((h) => h.what)).toEqual(['password of another user']);
  });

  it('files a credential in the value whoever reads it: hashes, cards, vendor keys, a plaintext password', () => {
    const hits = sensitiveHits(op('/me'), {
      id: 7, username: 'alice', hash: '$2b$10$Q9sDdVq1wYp3m5n7b9c1eOq8u6s4q2o0m8k6i4g2e0c8a6y4w2u0s', card: '4111 1111 1111 1111', stripe: 'sk_live_abcdef123456', password: 'hunter2!',
    }, alice, undefined);
    expect(hits.map((h) => h.what).sort()).toEqual(['card number', 'password hash', 'plaintext password', 'secret key']);
  });

  it('leaves masked values, a login\'s own token and a caller\'s own token alone', () => {
    expect(credentialIn('password', '********')).toBeUndefined();
    expect(credentialIn('password', '[redacted]')).toBeUndefined();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI4In0.c2lnbmF0dXJlc2lnbmF0dXJl';
    expect(sensitiveHits(op('/login'), { username: 'bob', token: jwt }, alice, undefined)).toEqual([]);
    expect(sensitiveHits(op('/users/{id}'), { username: 'alice', sessionToken: jwt }, alice, undefined)).toEqual([]);
    expect(sensitiveHits(op('/users/{id}'), { username: 'bob', sessionToken: jwt }, alice, undefined).map((h) => h.what)).toEqual(['token of another user']);
  });
});
