import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

const spec = fileURLToPath(new URL('./fixtures/pets-3.1.yaml', import.meta.url));
let upstream: TestUpstream;
let gw: StartedGateway;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, [
    { id: 1, name: 'Rex', tag: '4111 1111 1111 1111', owner: { name: 'ann@example.com', address: { city: 'Oslo' } } },
    { id: 2, name: 'Tom', tag: 'plain', owner: { name: 'Bob' } },
  ]));
  gw = await startGateway(await scratchDir(), configYaml({
    spec,
    upstream: upstream.url,
    policies: [
      '      masking:',
      '        hashKey: "0123456789abcdef0123"',
      '        rules:',
      '          - { path: "$[*].owner.address", action: drop }',
      '          - { category: card, action: last4 }',
      '          - { category: email, action: hash }',
    ].join('\n'),
  }));
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

describe('response masking', () => {
  it('masks by path and by detected category, and leaves other values alone', async () => {
    const res = await fetch(`${gw.url}/v1/pets?limit=2`);
    expect(res.status).toBe(200);
    const body = await res.json() as { tag: string; owner: { name: string; address?: unknown } }[];
    expect(body[0]?.owner.address).toBeUndefined();
    expect(body[0]?.tag).toBe('***************1111');
    expect(body[0]?.owner.name).toMatch(/^hmac:[A-Za-z0-9_-]{22}$/);
    expect(body[1]).toEqual({ id: 2, name: 'Tom', tag: 'plain', owner: { name: 'Bob' } });
  });

  it('hashes the same value to the same token, so masked data can still be joined', async () => {
    const a = await (await fetch(`${gw.url}/v1/pets?limit=2`)).json() as { owner: { name: string } }[];
    const b = await (await fetch(`${gw.url}/v1/pets?limit=2`)).json() as { owner: { name: string } }[];
    expect(a[0]?.owner.name).toBe(b[0]?.owner.name);
    expect(JSON.stringify(a)).not.toContain('ann@example.com');
  });
});
