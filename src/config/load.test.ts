import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors/index.js';
import { loadConfig, parseConfig } from './load.js';

async function dirWithSpec(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gh-config-'));
  await writeFile(path.join(dir, 'spec.yaml'), 'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\n');
  return dir;
}

async function problemsOf(text: string, env: Record<string, string> = {}): Promise<ConfigError> {
  const dir = await dirWithSpec();
  try {
    await parseConfig(text, path.join(dir, 'gatehouse.yaml'), { env });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('config was accepted');
}

const VALID = `version: "1"
listen: { http: { port: 8080 } }
apis:
  - name: orders
    spec: spec.yaml
    upstream: { url: "http://127.0.0.1:3000/base/", timeout: 5s }
`;

describe('config loading', () => {
  it('accepts a minimal config and applies safe defaults', async () => {
    const dir = await dirWithSpec();
    const config = await parseConfig(VALID, path.join(dir, 'gatehouse.yaml'));
    const api = config.apis[0];
    expect(api?.spec).toBe(path.join(dir, 'spec.yaml'));
    expect(api?.upstream.timeoutMs).toBe(5000);
    expect(api?.upstream.pathPrefix).toBe('/base');
    expect(api?.policies.contract).toMatchObject({ mode: 'enforce', unknownFields: 'reject', responses: 'strip' });
    expect(config.limits.maxBodyBytes).toBe(1024 * 1024);
    expect(Object.isFrozen(config.apis[0]?.upstream)).toBe(true);
  });

  it('reports every error at once, each with its path and line', async () => {
    const error = await problemsOf(`version: "1"
listen: { http: { port: 99999 } }
limits: { maxBodyBytes: lots }
apis:
  - name: orders
    spec: spec.yaml
    upstream: { url: "ftp://x", timeout: soon }
    policies:
      contract: { unknwonFields: reject, mode: block }
`);
    const byPath = new Map(error.problems.map((p) => [p.path, p]));
    expect(byPath.get('listen.http.port')?.line).toBe(2);
    expect(byPath.get('limits.maxBodyBytes')?.message).toContain('size');
    expect(byPath.get('apis[0].upstream.url')?.line).toBe(7);
    expect(byPath.get('apis[0].upstream.timeout')?.message).toContain('duration');
    expect(byPath.get('apis[0].policies.contract.unknwonFields')?.message).toContain('did you mean "unknownFields"');
    expect(byPath.get('apis[0].policies.contract.unknwonFields')?.line).toBe(9);
    expect(byPath.get('apis[0].policies.contract.mode')?.message).toContain('enforce');
    expect(error.problems.length).toBeGreaterThanOrEqual(6);
  });

  it('refuses an unknown top-level key instead of ignoring it', async () => {
    const error = await problemsOf(VALID + 'ratelimit: { rate: 5 }\n');
    expect(error.problems[0]?.path).toBe('ratelimit');
    expect(error.problems[0]?.line).toBe(7);
  });

  it('substitutes ${ENV} and ${ENV:-default}, and names an unset variable', async () => {
    const dir = await dirWithSpec();
    const text = VALID.replace('http://127.0.0.1:3000/base/', '${UPSTREAM}').replace('port: 8080', 'port: "${PORT:-8181}"');
    const config = await parseConfig(text, path.join(dir, 'g.yaml'), { env: { UPSTREAM: 'http://10.0.0.5:81' } });
    expect(config.apis[0]?.upstream.origin).toBe('http://10.0.0.5:81');
    expect(config.listen.http?.port).toBe(8181);
    const error = await problemsOf(text);
    expect(error.problems.some((p) => p.path === 'apis[0].upstream.url' && p.message.includes('UPSTREAM'))).toBe(true);
  });

  it('refuses duplicate API names and unreadable spec files', async () => {
    const error = await problemsOf(VALID + `  - name: orders
    spec: missing.yaml
    upstream: { url: "http://127.0.0.1:3001" }
`);
    expect(error.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['apis[1].name', 'apis[1].spec']));
  });

  it('reports YAML syntax errors with their line', async () => {
    const error = await problemsOf('version: "1"\napis:\n  - name: [unclosed\n');
    expect(error.problems[0]?.line).toBeGreaterThanOrEqual(3);
    expect(error.problems[0]?.message).toMatch(/^YAML/);
  });

  it('reports a missing file clearly', async () => {
    await expect(loadConfig('/nonexistent/gatehouse.yaml')).rejects.toThrow(/cannot read the file \(ENOENT\)/);
  });
});

describe('secret references in config', () => {
  it('resolves ${secret:…} from the encrypted store and env, keeps $${ literal, and lists the values to mask', async () => {
    const { SecretStore, loadKeyRing } = await import('../secrets/index.js');
    const dir = await dirWithSpec();
    const key = Buffer.alloc(32, 7).toString('base64');
    const env = { GATEHOUSE_SECRETS_KEY: key, HOOK_SECRET: 'from-the-environment' };
    const store = new SecretStore({ file: path.join(dir, 'secrets.json'), keys: loadKeyRing(env) });
    await store.set('masking-key', 'a-very-long-masking-key-value');
    const text = VALID.replace('timeout: 5s }', () => 'timeout: 5s }\n    owner: "$${secret:not-a-ref} ${secret:env:HOOK_SECRET}"\n    policies:\n      masking: { hashKey: "${secret:masking-key}", rules: [{ category: email, action: hash }] }')
      + 'secrets: { store: secrets.json }\n';
    const config = await parseConfig(text, path.join(dir, 'gatehouse.yaml'), { env });
    expect(config.apis[0]?.policies.masking?.hashKey).toBe('a-very-long-masking-key-value');
    expect(config.apis[0]?.owner).toBe('${secret:not-a-ref} from-the-environment');
    expect(config.secretValues).toEqual(expect.arrayContaining(['a-very-long-masking-key-value', 'from-the-environment']));
  });

  it('reports an unresolvable secret at its path without the value of any other secret', async () => {
    const error = await problemsOf(VALID.replace('timeout: 5s', 'timeout: 5s, url: "${secret:env:MISSING}"').replace('url: "http://127.0.0.1:3000/base/", ', ''));
    expect(error.problems.some((p) => p.path === 'apis[0].upstream.url' && p.message.includes('MISSING') && p.line === 6)).toBe(true);
  });
});
