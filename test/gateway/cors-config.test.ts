import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';

const SPEC = fileURLToPath(new URL('../identity/fixtures/orders.yaml', import.meta.url));

/*
 * A CORS policy that would open the API wider than written is a config error at its line, so
 * neither check-config nor start nor reload accepts it.
 */
const configWith = (cors: string): string => [
  'version: "1"',
  'apis:',
  '  - name: orders',
  `    spec: ${SPEC}`,
  '    upstream: { url: "http://127.0.0.1:1" }',
  '    policies:',
  '      cors:',
  '        credentials: true',
  '        origins:',
  `          - ${cors}`,
].join('\n');

describe('check-config on policies.cors', () => {
  it.each([
    ['"*" with credentials', '"*"', /apis\[0\]\.policies\.cors\.origins\[0\]: "\*" cannot be used with credentials: true/],
    ['the null origin', '"null"', /apis\[0\]\.policies\.cors\.origins\[0\]: "null" is the origin of sandboxed frames/],
    ['an origin with a trailing slash', 'https://app.example.com/', /apis\[0\]\.policies\.cors\.origins\[0\]: "https:\/\/app\.example\.com\/" is not an origin/],
    ['a wildcard over a top-level domain', '"https://*.com"', /apis\[0\]\.policies\.cors\.origins\[0\]: "https:\/\/\*\.com" covers a whole top-level domain/],
  ])('refuses %s, naming the path and line', async (_name, origin, expected) => {
    const dir = await scratchDir();
    const file = path.join(dir, 'gatehouse.yaml');
    await writeFiles(dir, { 'gatehouse.yaml': configWith(origin) });
    const result = await checkConfig(file, { minScore: 0 });
    expect(result.ok).toBe(false);
    const problems = result.lines.filter((l) => l.startsWith(`  ${file}:10:`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it('passes listed origins with credentials', async () => {
    const dir = await scratchDir();
    const file = path.join(dir, 'gatehouse.yaml');
    await writeFiles(dir, { 'gatehouse.yaml': configWith('https://app.example.com\n          - "https://*.example.com"') });
    const result = await checkConfig(file, { minScore: 0 });
    expect(result.lines.filter((l) => !l.startsWith('api ') && !l.startsWith('warning:'))).toEqual([`${file}: ok`]);
    expect(result.ok).toBe(true);
  });

  it('refuses an unknown key of the policy with the allowed ones', async () => {
    const dir = await scratchDir();
    const file = path.join(dir, 'gatehouse.yaml');
    await writeFiles(dir, { 'gatehouse.yaml': configWith('https://app.example.com').replace('credentials: true', 'allowCredentials: true') });
    const result = await checkConfig(file, { minScore: 0 });
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toMatch(/:8:\d+: apis\[0\]\.policies\.cors\.allowCredentials: unknown key "allowCredentials"/);
  });
});
