/**
 * The gateway with everything on, as issue 17 lists it (ES256 JWT + scopes, contract both ways,
 * a rate limit, the injection guard; inventory and decision trail are on by default), for the
 * peers and soak benches: the API's extra YAML for servers.ts and tokens for `subjects` callers.
 * The limit is high enough never to refuse a bench.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadSigningKey, mintToken, publicJwks } from '../src/identity/signing-key.js';

export async function fullStackConfig(dir: string, options: { subjects: number; ttlSeconds: number }): Promise<{ yaml: string; tokens: string[] }> {
  const key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  const jwks = path.join(dir, 'jwks.json');
  await writeFile(jwks, JSON.stringify(publicJwks(key)));
  const tokens = await Promise.all(Array.from({ length: options.subjects }, (_, i) => mintToken(key, {
    issuer: 'urn:bench', audience: 'bench', subject: `bench-user-${i}`, ttlSeconds: options.ttlSeconds, scopes: ['items:read', 'items:write'],
  })));
  const yaml = [
    '      authentication: { fallback: [jwt] }',
    '      authorization: { strict: true, rules: [{ methods: [GET], scopes: [items:read] }, { methods: [POST], scopes: [items:write] }] }',
    '      rateLimit: { limits: [{ by: identity, rate: 100000000/min }] }',
    '      injection: { mode: enforce, scan: declared }',
    'identity:',
    `  issuers: [{ issuer: urn:bench, audience: bench, jwks: "file:${jwks}", algorithms: [ES256], maxTokenLifetime: 2h }]`,
  ].join('\n');
  return { yaml, tokens };
}
