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

describe('gatehouse check-config fails closed on what the gateway cannot enforce', () => {
  it('exits with errors for a spec whose $ref points to nothing, naming the spec, line and pointer, and prints no "ok"', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, {
      'spec.yaml': 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /users:\n    post:\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: "#/components/schemas/Nope"}\n      responses: {"200": {description: ok}}\n',
      'g.yaml': 'version: "1"\napis:\n  - name: x\n    spec: spec.yaml\n    upstream: { url: "http://a" }\n',
    });
    const result = await checkConfig(path.join(dir, 'g.yaml'));
    expect(result.ok).toBe(false);
    expect(result.lines).toContain(`  ${path.join(dir, 'spec.yaml')}:9: #/paths/~1users/post/requestBody/content/application~1json/schema: $ref "#/components/schemas/Nope" points to nothing`);
    expect(result.lines.join('\n')).not.toMatch(/: ok$/m);
  });

  // Each: a policy that would silently protect nothing, and its corrected twin that passes.
  const cases: [string, string, string, RegExp][] = [
    ['an authorization rule naming a tag no operation has', 'authorization: { rules: [{ tags: [admn], roles: [admin] }] }', 'admn|admin',
      /apis\[0\]\.policies\.authorization\.rules\[0\]\.tags\[0\]: no operation of .* has the tag "admn"/],
    ['an admin selector matching no path', 'authorization: { admin: { paths: ["/admins/*"], roles: [ops] } }', '/admins/*|/admin/*',
      /apis\[0\]\.policies\.authorization\.admin\.paths\[0\]: no operation of .* has a path matching "\/admins\/\*"/],
    ['an object rule whose parameter no operation declares', 'objectAuth: { rules: [{ param: userID }] }', 'userID|userId',
      /apis\[0\]\.policies\.objectAuth\.rules\[0\]\.param: no operation of .* has a path or query parameter "userID"/],
    ['an object rule naming an operation without its parameter', 'objectAuth: { rules: [{ operations: [getOrder], param: userId }] }', 'getOrder|getUser',
      /apis\[0\]\.policies\.objectAuth\.rules\[0\]\.param: getOrder has no path or query parameter "userId", so userId cannot be checked there/],
    ['an object rule with a bare field path', 'objectAuth: { rules: [{ operations: [createOrder], param: owner.id }] }', 'param: owner.id|param: body.owner',
      /apis\[0\]\.policies\.objectAuth\.rules\[0\]\.param: "owner\.id" is a field path: write body\.owner\.id/],
    ['a step-up rule naming an operation that does not exist', 'stepUp: { rules: [{ operations: [payy], acr: [mfa] }] }', 'payy|pay',
      /apis\[0\]\.policies\.stepUp\.rules\[0\]\.operations\[0\]: "payy" is not an operation of/],
    ['a rate limit naming an operation that does not exist', 'rateLimit: { limits: [{ rate: 10/min, by: ip, operations: [createOrders] }] }', 'createOrders|createOrder',
      /apis\[0\]\.policies\.rateLimit\.limits\[0\]\.operations\[0\]: "createOrders" is not an operation of/],
    ['a masking rule naming an operation that does not exist', 'masking: { rules: [{ category: email, action: hash, operations: [listOrder] }] }', 'listOrder]|listOrders]',
      /apis\[0\]\.policies\.masking\.rules\[0\]\.operations\[0\]: "listOrder" is not an operation of/],
    ['a masking path that matches no declared field', 'masking: { rules: [{ path: "$[*].itm", action: redact, operations: [listOrders] }] }', '$[*].itm|$[*].item',
      /apis\[0\]\.policies\.masking\.rules\[0\]\.path: \$\[\*\]\.itm matches no field that the responses of these operations declare/],
    ['a public operation that does not exist', 'authentication: { public: [healthz] }', 'healthz|health',
      /apis\[0\]\.policies\.authentication\.public\[0\]: "healthz" is not an operation of/],
    ['a fallback scheme nothing can check', 'authentication: { fallback: [bearr] }', 'bearr|bearer',
      /apis\[0\]\.policies\.authentication\.fallback\[0\]: "bearr" is neither a security scheme of/],
    ['a signed identity token without a signing key', 'forwardIdentity: { token: { header: x-identity } }', 'token: { header: x-identity }|headerPrefix: x-id-',
      /apis\[0\]\.policies\.forwardIdentity\.token: needs identity\.signing/],
  ];
  const configWith = (policy: string): string => [
    'version: "1"',
    'apis:',
    '  - name: orders',
    `    spec: ${SPEC}`,
    '    upstream: { url: "http://127.0.0.1:1" }',
    '    policies:',
    `      ${policy}`,
  ].join('\n');

  it.each(cases)('refuses %s, at its config line, and passes the corrected rule', async (_name, policy, swap, expected) => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'bad.yaml': configWith(policy) });
    const bad = await checkConfig(path.join(dir, 'bad.yaml'), { minScore: 0 });
    expect(bad.ok).toBe(false);
    const problems = bad.lines.filter((l) => l.startsWith(`  ${path.join(dir, 'bad.yaml')}:7:`));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);

    const [from, to] = swap.split('|') as [string, string];
    await writeFiles(dir, { 'good.yaml': configWith(policy.replace(from, to)) });
    const good = await checkConfig(path.join(dir, 'good.yaml'), { minScore: 0 });
    expect(good.lines.filter((l) => !l.startsWith('api ') && !l.startsWith('warning:'))).toEqual([`${path.join(dir, 'good.yaml')}: ok`]);
    expect(good.ok).toBe(true);
  });
});
