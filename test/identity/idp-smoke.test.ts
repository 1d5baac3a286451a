import { decodeJwt, decodeProtectedHeader } from 'jose';
import { expect, it } from 'vitest';
import { OPAQUE_RESOURCE, startIdp } from './idp.js';

it('the test IdP issues ES256 JWT and opaque client-credentials tokens', async () => {
  const idp = await startIdp();
  try {
    const jwt = await idp.token({ scope: 'orders:read' });
    console.log(decodeProtectedHeader(jwt), decodeJwt(jwt));
    const opaque = await idp.token({ resource: OPAQUE_RESOURCE });
    console.log(opaque);
    expect(opaque.split('.')).toHaveLength(1);
    const r = await fetch(`${idp.issuer}/token/introspection`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`gateway:${idp.clients.gateway}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: opaque }) });
    console.log(await r.json());
    const d = await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    console.log(d.issuer, d.jwks_uri, d.introspection_endpoint);
  } finally {
    await idp.stop();
  }
});
