import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configYaml, scratchDir, startGateway, writeFiles, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * `contract.mode: off` turns the request-side checks off; it must not turn response stripping
 * off with them (the internal fields an upstream leaks do not care why request validation was
 * relaxed). Only `responses: off` lets undeclared response fields out. A Swagger 2.0 document.
 */
const SPEC = `
swagger: "2.0"
info: { title: Staff, version: "1" }
basePath: /staff
paths:
  /people/{id}:
    parameters: [{ name: id, in: path, required: true, type: integer }]
    get:
      operationId: getPerson
      responses:
        200:
          description: a person
          schema: { type: object, properties: { id: { type: integer }, name: { type: string } } }
    put:
      operationId: putPerson
      consumes: [application/json]
      parameters: [{ name: body, in: body, required: true, schema: { type: object, properties: { name: { type: string } } } }]
      responses: { 204: { description: stored } }
`;

let upstream: TestUpstream;
let dir: string;
const started: StartedGateway[] = [];

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.method === 'PUT') { res.writeHead(204); res.end(); return; }
    json(res, 200, { id: 7, name: 'Ada', passwordHash: '$2b$12$abcdefghijklmnopqrstuv', internal: { salary: 1 } });
  });
  dir = await scratchDir('gh-contract-off-');
  await writeFiles(dir, { 'staff.yaml': SPEC });
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.close()));
  await upstream.close();
});

async function gateway(contract: string): Promise<StartedGateway> {
  const gw = await startGateway(await scratchDir('gh-contract-off-gw-'), configYaml({ spec: path.join(dir, 'staff.yaml'), upstream: upstream.url, policies: `      contract: ${contract}` }));
  started.push(gw);
  return gw;
}

describe('contract.mode: off', () => {
  it('still strips undeclared response fields (responses: strip is its own switch)', async () => {
    const gw = await gateway('{ mode: off }');
    const res = await fetch(`${gw.url}/staff/people/7`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: 7, name: 'Ada' });
    // The request side is off indeed: an undeclared body field reaches the upstream.
    const put = await fetch(`${gw.url}/staff/people/7`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"name":"Ada","isAdmin":true}' });
    expect(put.status).toBe(204);
    expect(upstream.requests.at(-1)?.body).toBe('{"name":"Ada","isAdmin":true}');
  });

  it('lets the fields out only with responses: off, said in so many words', async () => {
    const gw = await gateway('{ mode: off, responses: off }');
    expect(await (await fetch(`${gw.url}/staff/people/7`)).json()).toMatchObject({ passwordHash: expect.any(String) as unknown });
  });
});
