import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors/index.js';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/**
 * A protection is either on or the gateway refuses to start: a spec or policy that cannot be
 * enforced in full stops `start` and is refused by a reload, which keeps the running config.
 * Before, the gateway logged a warning, started, and let any body through the broken operation.
 */

const PETS = fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url));
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
});

/** pets-3.1.yaml with the body schema of createPet pointing at a component that does not exist. */
async function brokenPets(): Promise<string> {
  return (await readFile(PETS, 'utf8')).replace("schema: { $ref: '#/components/schemas/NewPet' }\n          application/x-www-form-urlencoded", "schema: { $ref: '#/components/schemas/NewPett' }\n          application/x-www-form-urlencoded");
}

async function upstreamThatCreates(): Promise<TestUpstream> {
  const upstream = await startUpstream((req, res) => json(res, req.method === 'POST' ? 201 : 200, [{ id: 1, name: 'Rex', owner: { name: 'Ann', address: { city: 'Oslo' } } }]));
  open.push(upstream);
  return upstream;
}

const post = (gw: StartedGateway, body: string): Promise<Response> =>
  fetch(`${gw.url}/v1/pets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('start refuses what it cannot enforce', () => {
  it('refuses a spec whose $ref points to nothing, naming the spec file, line and pointer', async () => {
    const upstream = await upstreamThatCreates();
    const dir = await scratchDir();
    await writeFiles(dir, { 'pets.yaml': await brokenPets() });
    const started = startGateway(dir, configYaml({ spec: path.join(dir, 'pets.yaml'), upstream: upstream.url }));
    const error = await started.then((gw) => { open.push(gw); return undefined; }, (e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([{
      file: path.join(dir, 'pets.yaml'), line: 23, path: '#/paths/~1pets/post/requestBody/content/application~1json/schema',
      message: '$ref "#/components/schemas/NewPett" points to nothing',
    }]);
    expect(upstream.requests).toEqual([]);
  });

  it('starts with the reference fixed, and then refuses the body the broken one let through', async () => {
    const upstream = await upstreamThatCreates();
    const dir = await scratchDir();
    await writeFiles(dir, { 'pets.yaml': (await brokenPets()).replace('NewPett', 'NewPet') });
    const gw = await startGateway(dir, configYaml({ spec: path.join(dir, 'pets.yaml'), upstream: upstream.url }));
    open.push(gw);
    expect((await post(gw, '{"name":"a","isAdmin":true}')).status).toBe(400);
    expect((await post(gw, '{"name":"a"}')).status).toBe(201);
    expect(upstream.requests.map((r) => r.body)).toEqual(['{"name":"a"}']);
  });

  it('refuses a masking path that matches no declared field, naming the config line, and masks with the right one', async () => {
    const upstream = await upstreamThatCreates();
    const policies = (p: string): string => `      masking:\n        rules:\n          - { path: "${p}", action: redact, operations: [listPets] }`;
    const dir = await scratchDir();
    const refused = await startGateway(dir, configYaml({ spec: PETS, upstream: upstream.url, policies: policies('$[*].owner.nmae') })).then(
      (gw) => { open.push(gw); return undefined; }, (e: unknown) => e);
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems).toEqual([expect.objectContaining({
      file: path.join(dir, 'gatehouse.yaml'), line: 14, path: 'apis[0].policies.masking.rules[0].path',
    })]);
    expect((refused as ConfigError).problems[0]?.message).toContain('never mask anything');

    const gw = await startGateway(await scratchDir(), configYaml({ spec: PETS, upstream: upstream.url, policies: policies('$[*].owner.name') }));
    open.push(gw);
    const body = await (await fetch(`${gw.url}/v1/pets?limit=1`)).json() as { owner: { name: string } }[];
    expect(body[0]?.owner.name).not.toBe('Ann');
  });
});

describe('reload keeps the running config when the new one cannot be enforced', () => {
  it('refuses a spec edited to a dangling $ref, says where, and keeps enforcing the old contract', async () => {
    const upstream = await upstreamThatCreates();
    const dir = await scratchDir();
    const spec = path.join(dir, 'pets.yaml');
    await writeFiles(dir, { 'pets.yaml': await readFile(PETS, 'utf8') });
    const gw = await startGateway(dir, configYaml({ spec, upstream: upstream.url }));
    open.push(gw);

    await writeFile(spec, await brokenPets());
    const result = await gw.gateway.reload();
    expect(result).toEqual({ ok: false, errors: [`${spec}:23: #/paths/~1pets/post/requestBody/content/application~1json/schema: $ref "#/components/schemas/NewPett" points to nothing`] });
    expect(gw.logs.some((l) => l.msg === 'reload refused: the current configuration keeps serving')).toBe(true);

    expect((await post(gw, '{"name":"a","isAdmin":true}')).status).toBe(400);
    expect((await post(gw, '{"name":"a"}')).status).toBe(201);
    expect(upstream.requests.map((r) => r.body)).toEqual(['{"name":"a"}']);
  });

  it('refuses a config whose rule names an operation the spec does not have', async () => {
    const upstream = await upstreamThatCreates();
    const dir = await scratchDir();
    const gw = await startGateway(dir, configYaml({ spec: PETS, upstream: upstream.url }));
    open.push(gw);
    const file = path.join(dir, 'gatehouse.yaml');
    await writeFile(file, `${await readFile(file, 'utf8')}\n    policies:\n      rateLimit: { limits: [{ rate: 1/min, by: ip, operations: [createPets] }] }\n`);
    const result = await gw.gateway.reload();
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual([expect.stringMatching(/gatehouse\.yaml:\d+:\d+: apis\[0\]\.policies\.rateLimit\.limits\[0\]\.operations\[0\]: "createPets" is not an operation of/)]);
    // The running config has no limit: both requests pass.
    expect((await post(gw, '{"name":"a"}')).status).toBe(201);
    expect((await post(gw, '{"name":"b"}')).status).toBe(201);
  });
});
