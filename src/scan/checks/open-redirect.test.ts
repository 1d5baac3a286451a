import { describe, expect, it } from 'vitest';
import { FOREIGN_HOST, redirectTarget } from './open-redirect.js';

const at = 'http://127.0.0.1:8080/app/logout?next=x';

describe('open redirect evidence', () => {
  it('resolves Location the way a browser does, backslashes and scheme-relative forms included', () => {
    for (const location of [`https://${FOREIGN_HOST}/a`, `//${FOREIGN_HOST}/a`, `/\\${FOREIGN_HOST}/a`, `http:\\\\${FOREIGN_HOST}`]) {
      expect(redirectTarget(302, { location }, at)?.hostname, location).toBe(FOREIGN_HOST);
    }
  });

  it('does not count a redirect that stays on the service, even with the foreign URL in its query', () => {
    expect(redirectTarget(302, { location: `/login?next=https://${FOREIGN_HOST}/a` }, at)?.hostname).toBe('127.0.0.1');
    expect(redirectTarget(302, { location: `http://https://${FOREIGN_HOST}` }, at)?.hostname).not.toBe(FOREIGN_HOST);
  });

  it('reads Refresh headers, and ignores Location outside a redirect status', () => {
    expect(redirectTarget(200, { refresh: `0; url=https://${FOREIGN_HOST}/r` }, at)?.hostname).toBe(FOREIGN_HOST);
    expect(redirectTarget(201, { location: `https://${FOREIGN_HOST}/created` }, at)).toBeUndefined();
  });
});
