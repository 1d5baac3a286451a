import { describe, expect, it } from 'vitest';
import { looksRandom, maskPath, sensitiveSegment } from './path-mask.js';

const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW5vdC1yZWFs';

describe('paths as they may be logged', () => {
  it.each([
    ['/v1/reset/sk_live_4eC39HqLyjWDarjtT1zdp7dc/confirm', '/v1/reset/{token}/confirm'],
    [`/auth/callback/${JWT}`, '/auth/callback/{token}'],
    ['/users/alice@example.com/orders', '/users/{email}/orders'],
    ['/users/alice%40example.com', '/users/{email}'],
    ['/cards/4111111111111111', '/cards/{card}'],
    ['/cards/4111-1111-1111-1111/limits', '/cards/{card}/limits'],
    ['/verify/Xk9pQ2vLm7RtZ4wB8nYc3HqT', '/verify/{token}'],
    ['/magic/KzQvWpXrTyLmNbVcDsAeFgHj', '/magic/{token}'],
    ['/hooks/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', '/hooks/{token}'],
    ['/keys/ghp_abcdefghijklmnopqrstuvwxyz012345', '/keys/{token}'],
    ['/people/123-45-6789', '/people/{pii}'],
    ['/callers/+14155552671', '/callers/{phone}'],
  ])('masks %s', (path, masked) => {
    expect(maskPath(path)).toBe(masked);
  });

  it.each([
    '/api/users/123/orders/77',
    '/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301',
    '/objects/507f1f77bcf86cd799439011',
    '/posts/how-to-reset-a-password-quickly',
    '/settings/getUserProfileSettings',
    '/docs/ThisIsAVeryLongCamelCaseName',
    '/reports/2024-05-01',
    '/api/v2/internationalization',
    '/tickets/ord9182',
    '/',
    '',
  ])('keeps ids, names and slugs of %s for debugging', (path) => {
    expect(maskPath(path)).toBe(path);
  });

  it('classifies single segments', () => {
    expect(sensitiveSegment('sk_test_abcdefghij')).toBe('{token}');
    expect(sensitiveSegment('8.8.8.8')).toBe('{ip}');
    expect(sensitiveSegment('orders')).toBeUndefined();
    expect(looksRandom('AbCdEfGhIjKlMnOpQrStUvWx')).toBe(true);
    expect(looksRandom('release-notes-2024-edition')).toBe(false);
    expect(looksRandom('v20240101release2024notes')).toBe(false);
  });
});
