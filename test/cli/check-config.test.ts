import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { loadSigningKey, publicJwks } from '../../src/identity/signing-key.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';

const demoConfig = fileURLToPath(new URL('../../examples/demo/gatehouse.yaml', import.meta.url));
const SPEC = fileURLToPath(new URL('../identity/fixtures/orders.yaml', import.meta.url));

/** A public key set as `gatehouse token --jwks` writes it. */
async function jwksText(dir: string): Promise<string> {
  return JSON.stringify(publicJwks(await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true })));
}

describe('gatehouse check-config', () => {
  it('passes the demo config and names its spec', async () => {
    // `gatehouse demo` writes the demo issuer's key set to a temporary file it names in DEMO_JWKS_FILE.
    const dir = await scratchDir();
    await writeFiles(dir, { 'demo-jwks.json': await jwksText(dir) });
    const result = await checkConfig(demoConfig, { env: { ...process.env, DEMO_JWKS_FILE: path.join(dir, 'demo-jwks.json') } });
    expect(result.ok).toBe(true);
    expect(result.lines.join('\n')).toMatch(/api shop: .*openapi\.yaml \(OpenAPI 3\.1\.0, 6 operations\)/);
  });

  it('lists every config error with path and line', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'bad.yaml': 'version: "2"\napis:\n  - name: x\n    spec: nope.yaml\n    upstream: { url: "http://a" , retries: 3 }\n' });
    const result = await checkConfig(path.join(dir, 'bad.yaml'));
    expect(result.ok).toBe(false);
    const text = result.lines.join('\n');
    expect(text).toMatch(/:1:\d+: version: must be "1"/);
    expect(text).toMatch(/:5:\d+: apis\[0\]\.upstream\.retries: unknown key "retries"/);
  });

  it('reports a spec that cannot load, naming the file', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'spec.yaml': 'just: a yaml file\n', 'g.yaml': 'version: "1"\napis:\n  - name: x\n    spec: spec.yaml\n    upstream: { url: "http://a" }\n' });
    const result = await checkConfig(path.join(dir, 'g.yaml'));
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toContain('spec.yaml');
  });
});

describe('gatehouse check-config and the audit', () => {
  it('warns when a configured spec scores below the threshold', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, {
      'weak.yaml': 'openapi: 3.0.0\ninfo: {title: t, version: "1"}\nservers: [{url: "http://api.internal.example"}]\npaths:\n  /users/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {"200": {description: ok}}\n',
      'g.yaml': 'version: "1"\napis:\n  - name: x\n    spec: weak.yaml\n    upstream: { url: "http://a" }\n',
    });
    const result = await checkConfig(path.join(dir, 'g.yaml'), { minScore: 90 });
    expect(result.ok).toBe(true);
    expect(result.lines.join('\n')).toMatch(/warning: .*weak\.yaml scores \d+\/100/);
    const lenient = await checkConfig(path.join(dir, 'g.yaml'), { minScore: 0 });
    expect(lenient.lines.join('\n')).not.toContain('warning');
  });
});

describe('gatehouse check-config and the issuers\' file: key sets', () => {
  const config = (issuers: string[]): string => [
    'version: "1"',
    'identity:',
    '  issuers:',
    ...issuers.map((jwks, i) => `    - { issuer: "urn:test:${i}", audience: orders-api, jwks: "${jwks}", algorithms: [ES256] }`),
    'apis:',
    `  - { name: orders, spec: ${SPEC}, upstream: { url: "http://127.0.0.1:1" } }`,
  ].join('\n');

  it('reports a missing file and a file that is not JSON at once, each with its path and line', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'keys.json': await jwksText(dir), 'notes.txt': 'keys: not JSON\n', 'g.yaml': config(['file:keys.json', 'file:keys/missing.json', 'file:notes.txt']) });
    const result = await checkConfig(path.join(dir, 'g.yaml'));
    expect(result.ok).toBe(false);
    expect(result.lines[0]).toBe(`${path.join(dir, 'g.yaml')}: 2 error(s)`);
    expect(result.lines).toContain(`  ${path.join(dir, 'g.yaml')}:5:53: identity.issuers[1].jwks: key set file not found: ${path.join(dir, 'keys/missing.json')}`);
    expect(result.lines).toContain(`  ${path.join(dir, 'g.yaml')}:6:53: identity.issuers[2].jwks: key set file is not JSON: ${path.join(dir, 'notes.txt')}`);
    expect(result.lines.join('\n')).not.toContain('issuers[0]');
  });

  it('reports a key set without a key the issuer can verify with, beside the other config errors', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, {
      'hmac.json': JSON.stringify({ keys: [{ kty: 'oct', k: 'c2VjcmV0LXNoYXJlZC13aXRoLWV2ZXJ5b25l', kid: 'h' }] }),
      'g.yaml': config(['file:hmac.json']).replace(SPEC, 'missing-spec.yaml'),
    });
    const result = await checkConfig(path.join(dir, 'g.yaml'));
    expect(result.ok).toBe(false);
    const text = result.lines.join('\n');
    expect(text).toMatch(/:4:53: identity\.issuers\[0\]\.jwks: key set file has no public key usable with ES256: .*hmac\.json/);
    expect(text).toMatch(/:6:\d+: apis\[0\]\.spec: file not readable: .*missing-spec\.yaml/);
  });

  it('passes a valid key set file', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'keys.json': await jwksText(dir), 'g.yaml': config(['file:keys.json']) });
    const result = await checkConfig(path.join(dir, 'g.yaml'));
    expect(result.lines.at(-1)).toBe(`${path.join(dir, 'g.yaml')}: ok`);
    expect(result.ok).toBe(true);
  });
});
