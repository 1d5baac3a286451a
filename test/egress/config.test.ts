import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileApis } from '../../src/config/apis.js';
import { loadConfig, parseConfig } from '../../src/config/index.js';
import { ConfigError, type ConfigProblem } from '../../src/errors/index.js';
import { scratchDir } from '../helpers/gateway.js';

/**
 * An egress API that cannot be pinned to its provider does not start: the same check serves
 * `gatehouse check-config`, start and reload (compileApis).
 */
const EXAMPLE = path.resolve(import.meta.dirname, '../../examples/egress');
let dir = '';

beforeAll(async () => {
  dir = await scratchDir('gh-egress-config-');
  await copyFile(path.join(EXAMPLE, 'acme.openapi.yaml'), path.join(dir, 'acme.openapi.yaml'));
});

async function problems(api: string): Promise<ConfigProblem[]> {
  const yaml = ['version: "1"', 'listen: { http: { port: 0 } }', 'store: { memory: {} }', 'apis:', api].join('\n');
  const file = path.join(dir, 'gatehouse.yaml');
  await writeFile(file, yaml);
  try {
    const config = await parseConfig(yaml, file, { env: {} });
    return [...(await compileApis(config)).errors];
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
}

const API = (upstream: string, egress: string, extra = ''): string => [
  '  - name: acme',
  '    direction: egress',
  '    spec: acme.openapi.yaml',
  `    upstream: { url: "${upstream}" }`,
  `    egress: ${egress}`,
  extra,
].join('\n');

describe('egress config', () => {
  it('passes the example as it is shipped (what gatehouse check-config runs)', async () => {
    const config = await loadConfig(path.join(EXAMPLE, 'gatehouse.yaml'), { env: { ACME_API_KEY: 'sk_test_example' } });
    expect(config.apis[0]?.direction).toBe('egress');
    expect((await compileApis(config)).errors).toEqual([]);
  });

  it('accepts the example\'s destination', async () => {
    expect(await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1] }'))).toEqual([]);
  });

  it('refuses an upstream the provider\'s spec does not declare', async () => {
    const found = await problems(API('http://127.0.0.1:4011/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1] }'));
    expect(found).toEqual([expect.objectContaining({ path: 'apis[0].upstream.url', message: expect.stringContaining('not a server the spec declares') as unknown })]);
    expect(found[0]?.line).toBe(8);
  });

  it('refuses plain http unless declared', async () => {
    const found = await problems(API('http://127.0.0.1:4010/v1', '{ allowPrivate: [127.0.0.1] }'));
    expect(found.map((p) => p.message).join()).toContain('plain http://');
  });

  it('refuses a private address literal unless allowPrivate lists it', async () => {
    const found = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true }'));
    expect(found.map((p) => p.message).join()).toContain('127.0.0.1 is a private, loopback, link-local or reserved address');
  });

  it('refuses unverified TLS, pass-through of undeclared paths, and egress settings on an ingress API', async () => {
    const tls = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1] }').replace('upstream: { url: "http://127.0.0.1:4010/v1" }', 'upstream: { url: "http://127.0.0.1:4010/v1", tls: { rejectUnauthorized: false } }'));
    expect(tls.map((p) => p.path)).toContain('apis[0].upstream.tls.rejectUnauthorized');
    const passthrough = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1] }', '    unmatched: passthrough'));
    expect(passthrough.map((p) => p.path)).toContain('apis[0].unmatched');
    const ingress = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true }').replace('direction: egress', 'direction: ingress'));
    expect(ingress.map((p) => p.path)).toContain('apis[0].egress');
  });

  it('refuses WebSocket and gRPC on an egress API, whose own connections would bypass the destination guard', async () => {
    const grpc = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1] }', '    grpc: true'));
    expect(grpc.map((p) => p.path)).toContain('apis[0].grpc');
    expect(grpc.find((p) => p.path === 'apis[0].grpc' && /egress/.test(p.message))).toBeDefined();
  });

  it('names the path of a malformed pin, range or credential', async () => {
    const found = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1/40], pins: [abc], credentials: [{ header: "bad header", value: x }] }'));
    const paths = found.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['apis[0].egress.pins[0]', 'apis[0].egress.credentials[0]']));
    const range = await problems(API('http://127.0.0.1:4010/v1', '{ plainHttp: true, allowPrivate: [127.0.0.1/40] }'));
    expect(range.map((p) => p.path)).toContain('apis[0].egress.allowPrivate[0]');
  });
});
