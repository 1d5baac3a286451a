/**
 * The proxy benchmark with identity on: every request carries an ES256 JWT whose scopes are
 * checked, on top of full contract enforcement (target: >= 70 % of the pass-through floor).
 * Verified tokens are cached by the whole token string until their exp, so the signature is
 * checked once per token, as it would be for a client reusing its access token.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSigningKey, mintToken, publicJwks } from '../src/identity/signing-key.js';
import { runProxyBench } from './proxy-bench.js';

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gatehouse-bench-'));
  const key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  const jwks = path.join(dir, 'jwks.json');
  await writeFile(jwks, JSON.stringify(publicJwks(key)));
  const token = await mintToken(key, { issuer: 'urn:bench', audience: 'bench', subject: 'bench-user', ttlSeconds: 600, scopes: ['items:read', 'items:write'] });
  const extraYaml = [
    '      authentication: { fallback: [jwt] }',
    '      authorization: { strict: true, rules: [{ methods: [GET], scopes: [items:read] }, { methods: [POST], scopes: [items:write] }] }',
    'identity:',
    `  issuers: [{ issuer: urn:bench, audience: bench, jwks: "file:${jwks}", algorithms: [ES256], maxTokenLifetime: 15m }]`,
  ].join('\n');
  for (const line of await runProxyBench({ extraYaml, label: 'jwt (ES256) + scopes + contract', headers: { authorization: `Bearer ${token}` } })) console.log(line);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
