import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { ConfigError } from '../errors/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gh-idconf-'));
writeFileSync(path.join(dir, 'spec.yaml'), 'openapi: 3.1.0\ninfo: { title: t, version: "1" }\npaths: {}\n');
const file = path.join(dir, 'gatehouse.yaml');

const base = (identity: string, policies = '') => [
  'version: "1"',
  'store: { memory: {} }',
  identity,
  'apis:',
  '  - name: a',
  '    spec: spec.yaml',
  '    upstream: { url: "http://127.0.0.1:1" }',
  policies === '' ? '' : `    policies:\n${policies}`,
].join('\n');

async function problems(yaml: string): Promise<string[]> {
  try {
    await parseConfig(yaml, file);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
}

describe('identity config', () => {
  it('normalises issuers: discovery by default, file JWKS resolved against the config folder, durations in ms', async () => {
    const config = await parseConfig(base([
      'identity:',
      '  issuers:',
      '    - { issuer: "https://idp.example", audience: [a, b], maxTokenLifetime: 5m, rolesClaim: realm_access.roles }',
      '    - { issuer: urn:local, audience: a, jwks: "file:keys/jwks.json", algorithms: [EdDSA] }',
    ].join('\n')), file);
    const [idp, local] = config.identity.issuers;
    expect(idp).toMatchObject({ jwks: { kind: 'discovery', issuer: 'https://idp.example' }, audiences: ['a', 'b'], maxTokenLifetimeMs: 300_000, rolesClaim: ['realm_access', 'roles'], algorithms: ['ES256', 'RS256'] });
    expect(local?.jwks).toEqual({ kind: 'file', path: path.join(dir, 'keys/jwks.json') });
    expect(config.apis[0]?.policies.authentication).toEqual({ mode: 'enforce', fallback: [], public: [], hideCredentials: { apiKeys: true, authorization: false } });
  });

  it('refuses HS256 and none in an algorithm allow-list, naming the path', async () => {
    const found = await problems(base('identity:\n  issuers: [{ issuer: urn:x, audience: a, jwks: "file:j.json", algorithms: [HS256, none] }]'));
    expect(found.join('\n')).toContain('identity.issuers[0].algorithms[0]');
    expect(found.join('\n')).toContain('HS* and none are never accepted');
  });

  it('needs a jwks for an issuer that is not a URL, and refuses a duplicate issuer', async () => {
    const found = await problems(base('identity:\n  issuers: [{ issuer: urn:x, audience: a }, { issuer: urn:x, audience: a, jwks: "file:j.json" }]'));
    expect(found.join('\n')).toContain('identity.issuers[0].jwks: is required');
    expect(found.join('\n')).toContain('listed twice');
  });

  it('refuses key sets and introspection over plain http except on loopback', async () => {
    const found = await problems(base([
      'identity:',
      '  issuers: [{ issuer: "http://idp.example", audience: a }, { issuer: urn:b, audience: a, jwks: "http://keys.example/jwks" }, { issuer: "http://127.0.0.1:9000", audience: a }]',
      '  introspection: { endpoint: "http://idp.example/introspect", clientId: gw, clientSecret: s }',
    ].join('\n')));
    expect(found.filter((p) => p.includes('https'))).toHaveLength(3);
    expect(found.join('\n')).not.toContain('127.0.0.1');
  });

  it('reads the signing key rotation schedule and refuses one too short to be useful', async () => {
    const config = await parseConfig(base('identity:\n  signing: { key: keys/ring.json, rotateEvery: 12h, maxTokenLifetime: 10m }'), file);
    expect(config.identity.signing).toEqual({ keyFile: path.join(dir, 'keys/ring.json'), issuer: 'urn:gatehouse:local', audience: 'gatehouse', rotateEveryMs: 43_200_000, maxTokenLifetimeMs: 600_000 });
    expect((await parseConfig(base('identity:\n  signing: { key: k.json }'), file)).identity.signing).toMatchObject({ rotateEveryMs: undefined, maxTokenLifetimeMs: 3_600_000 });
    const found = await problems(base('identity:\n  signing: { key: k.json, rotateEvery: 30s }'));
    expect(found).toEqual(['identity.signing.rotateEvery: must be at least 1m (every rotation rewrites the key file shared by the gateways)']);
  });

  it('refuses a typo in a policy and a lookup URL without {value}', async () => {
    const found = await problems(base('', [
      '      authorization: { strcit: true }',
      '      objectAuth: { rules: [{ param: path.id, lookup: { url: "http://x/owners", ownerField: owner } }] }',
    ].join('\n')));
    expect(found.some((p) => p.includes('strcit'))).toBe(true);
    expect(found.some((p) => p.includes('{value}'))).toBe(true);
  });
});
