import { describe, expect, it } from 'vitest';
import { classifySegment, nameParameters, templatePath } from '../../src/inventory/template.js';

describe('path templating of unmatched traffic', () => {
  it('turns numeric ids into {id}', () => {
    expect(templatePath('/users/8812/orders/77')).toBe('/users/{id}/orders/{id}');
  });

  it('recognises UUIDs, hashes and opaque keys', () => {
    expect(templatePath('/files/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBe('/files/{id}');
    expect(templatePath('/blobs/d41d8cd98f00b204e9800998ecf8427e')).toBe('/blobs/{id}');
    expect(templatePath('/commits/da39a3ee5e6b4b0d3255bfef95601890afd80709/diff')).toBe('/commits/{id}/diff');
    expect(templatePath('/objects/507f1f77bcf86cd799439011')).toBe('/objects/{id}');
    expect(templatePath('/keys/aZ3kQ9xP2mT7vB1c')).toBe('/keys/{id}');
  });

  it('tells slugs from static segments', () => {
    expect(templatePath('/posts/how-to-reset-a-password')).toBe('/posts/{slug}');
    expect(templatePath('/posts/release-notes-2024')).toBe('/posts/{slug}');
    expect(templatePath('/user-profile/settings')).toBe('/user-profile/settings');
    expect(templatePath('/api/v2/health-check')).toBe('/api/v2/health-check');
  });

  it('keeps version segments and plain words static, and templates dates', () => {
    expect(classifySegment('v1')).toBe('static');
    expect(classifySegment('orders')).toBe('static');
    expect(classifySegment('latest')).toBe('static');
    expect(templatePath('/reports/2024-05-01')).toBe('/reports/{date}');
  });

  it('never records a secret or personal data written in a path', () => {
    expect(templatePath('/v1/reset/sk_live_4eC39HqLyjWDarjtT1zdp7dc/confirm')).toBe('/v1/reset/{token}/confirm');
    expect(templatePath('/users/alice@example.com/orders')).toBe('/users/{email}/orders');
    expect(templatePath('/users/bob%40example.org')).toBe('/users/{email}');
    expect(templatePath('/cards/4111-1111-1111-1111')).toBe('/cards/{card}');
    expect(templatePath('/cards/4111111111111111')).toBe('/cards/{id}');
    expect(templatePath('/session/eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl')).toBe('/session/{token}');
    expect(templatePath('/magic/KzQvWpXrTyLmNbVcDsAeFgHj')).toBe('/magic/{token}');
    expect(templatePath('/callers/+14155552671/history')).toBe('/callers/{phone}/history');
    expect(templatePath('/hosts/10.20.30.40')).toBe('/hosts/{ip}');
    // Names with several words stay what they are.
    expect(templatePath('/settings/getUserProfileSettings')).toBe('/settings/getUserProfileSettings');
    expect(nameParameters('/users/{email}/keys/{token}').path).toBe('/users/{userEmail}/keys/{keyToken}');
  });

  it('ignores the query string', () => {
    expect(templatePath('/users/12?expand=orders')).toBe('/users/{id}');
  });

  it('names placeholders from the segment before them, uniquely, for an exported spec', () => {
    expect(nameParameters('/users/{id}/orders/{id}')).toEqual({ path: '/users/{userId}/orders/{orderId}', names: ['userId', 'orderId'] });
    expect(nameParameters('/{id}/{id}')).toEqual({ path: '/{id}/{id2}', names: ['id', 'id2'] });
    expect(nameParameters('/categories/{slug}').path).toBe('/categories/{categorySlug}');
  });
});
