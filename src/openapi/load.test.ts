import { describe, expect, it } from 'vitest';
import { SpecError } from '../errors/index.js';
import { loadSpec, loadSpecFromString } from './load.js';
import { fixture } from './testing/fixtures.js';

/** Dereferenced schemas are plain JSON-shaped graphs; tests walk them by name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only navigation of a schema graph
type Loose = Record<string, any>;

describe('loadSpec: Swagger 2.0 normalisation', () => {
  it('turns a body parameter into a requestBody keyed by consumes', async () => {
    const spec = await loadSpec(fixture('petstore-v2.yaml'));
    expect(spec.version).toBe('2.0');
    const create = spec.operations.find((o) => o.id === 'createPet');
    expect(Object.keys(create?.requestBody?.content ?? {})).toEqual(['application/json']);
    expect(create?.requestBody?.required).toBe(true);
    expect(create?.parameters).toEqual([]);
    const schema = create?.requestBody?.content['application/json']?.schema;
    expect(schema?.properties).toHaveProperty('name');
  });

  it('turns formData parameters into a multipart or urlencoded object body', async () => {
    const spec = await loadSpec(fixture('petstore-v2.yaml'));
    const upload = spec.operations.find((o) => o.id === 'uploadPhoto');
    const multipart = upload?.requestBody?.content['multipart/form-data']?.schema;
    expect(multipart).toMatchObject({ type: 'object', required: ['rating', 'file'], properties: { file: { type: 'string', format: 'binary' } } });
    const login = spec.operations.find((o) => o.id === 'login');
    expect(Object.keys(login?.requestBody?.content ?? {})).toEqual(['application/x-www-form-urlencoded']);
  });

  it('builds schemas, styles and servers from 2.0 fields', async () => {
    const spec = await loadSpec(fixture('petstore-v2.yaml'));
    const list = spec.operations.find((o) => o.id === 'listPets');
    const byName = new Map(list?.parameters.map((p) => [p.name, p]));
    expect(byName.get('limit')?.schema).toEqual({ type: 'integer', minimum: 1, maximum: 100, exclusiveMaximum: true });
    expect(byName.get('tags')).toMatchObject({ style: 'form', explode: false, schema: { type: 'array', items: { type: 'string' } } });
    expect(byName.get('status')).toMatchObject({ style: 'form', explode: true });
    expect(byName.get('ids')).toMatchObject({ style: 'pipeDelimited' });
    expect(spec.servers).toEqual(['https://api.example.com/v2', 'http://api.example.com/v2']);
    expect(spec.basePaths).toEqual(['/v2']);
    expect(list?.responses['200']?.content['application/json']?.schema).toMatchObject({ type: 'array' });
    expect(list?.responses['200']?.headers['X-Total']?.schema).toEqual({ type: 'integer' });
  });

  it('maps securityDefinitions to securitySchemes and resolves effective security', async () => {
    const spec = await loadSpec(fixture('petstore-v2.yaml'));
    expect(spec.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(spec.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', name: 'X-API-Key', in: 'header' });
    expect(spec.securitySchemes.oauth?.flows?.authorizationCode?.scopes).toHaveProperty('pets:write');
    const ops = new Map(spec.operations.map((o) => [o.id, o]));
    expect(ops.get('listPets')?.security).toEqual([{ apiKey: [] }]);
    expect(ops.get('createPet')?.security).toEqual([{ oauth: ['pets:write'] }]);
    expect(ops.get('getPet')?.security).toEqual([]);
  });

  it('merges path-level parameters and keeps the referenced parameter pointer', async () => {
    const spec = await loadSpec(fixture('petstore-v2.yaml'));
    const get = spec.operations.find((o) => o.id === 'getPet');
    expect(get?.parameters.map((p) => [p.name, p.in, p.required, p.pointer])).toEqual([['petId', 'path', true, '/parameters/petId']]);
  });
});

describe('loadSpec: OpenAPI 3.x', () => {
  it('derives base paths from server URLs with variable defaults and relative URLs', async () => {
    const spec = await loadSpec(fixture('petstore-v3.yaml'));
    expect(spec.servers).toEqual(['https://eu.example.com/api/v3', '/relative']);
    expect(spec.basePaths).toEqual(['/api/v3', '/relative']);
    const v31 = await loadSpec(fixture('museum-v31.yaml'));
    expect(v31.basePaths).toEqual(['/v1']);
  });

  it('gives no-server documents the root base path', () => {
    const spec = loadSpecFromString('openapi: 3.0.0\ninfo: {title: t, version: "1"}\npaths: {}\n', 'inline.yaml');
    expect(spec.basePaths).toEqual(['']);
  });

  it('makes every reference to one target the same object and keeps cycles finite', async () => {
    const spec = await loadSpec(fixture('petstore-v3.yaml'));
    const ops = new Map(spec.operations.map((o) => [o.id, o]));
    const created = ops.get('createPet')?.requestBody?.content['application/json']?.schema;
    const fetched = ops.get('getPet')?.responses['200']?.content['application/json']?.schema;
    expect(created).toBe(fetched);
    const category = ops.get('listCategories')?.responses['200']?.content['application/json']?.schema as Loose;
    expect(category.properties.parent).toBe(category);
    expect(category.properties.children.items).toBe(category);
  });

  it('uses METHOD /path when an operationId is missing or duplicated', () => {
    const spec = loadSpecFromString(`openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a: { get: { operationId: same, responses: {} }, post: { responses: {} } }
  /b: { get: { operationId: same, responses: {} } }
`, 'dup.yaml');
    expect(spec.operations.map((o) => o.id)).toEqual(['GET /a', 'POST /a', 'GET /b']);
    expect(spec.problems.some((p) => p.code === 'duplicate-operation-id' && p.severity === 'warning')).toBe(true);
  });

  it('follows multi-file references relative to the referring file', async () => {
    const spec = await loadSpec(fixture('multi/openapi.yaml'));
    expect(spec.problems).toEqual([]);
    const ops = new Map(spec.operations.map((o) => [o.id, o]));
    const order = ops.get('createOrder')?.requestBody?.content['application/json']?.schema as Loose;
    expect(order.properties.quantity).toEqual({ type: 'integer', minimum: 1 });
    expect(order.properties.customer.properties.referredBy).toBe(order.properties.customer);
    expect(ops.get('getOrder')?.parameters[0]).toMatchObject({ name: 'orderId', in: 'path', schema: { format: 'uuid' } });
    expect(ops.get('getOrder')?.responses['200']?.content['application/json']?.schema).toBe(order);
    const loc = spec.locate('/Order/properties/quantity', fixture('multi/schemas/order.yaml'));
    expect(loc).toMatchObject({ line: 7 });
  });
});

describe('loadSpec: problems and errors', () => {
  it('reports a dangling $ref as an error problem with file, pointer and line', async () => {
    const spec = await loadSpec(fixture('dangling-ref.yaml'));
    expect(spec.problems).toHaveLength(1);
    expect(spec.problems[0]).toMatchObject({
      severity: 'error', code: 'dangling-ref', file: fixture('dangling-ref.yaml'),
      pointer: '/paths/~1things/get/responses/200/content/application~1json/schema', line: 11,
    });
    expect(spec.problems[0]?.message).toContain('#/components/schemas/Missing');
  });

  it('reports a missing referenced file and a remote reference without fetching it', () => {
    const spec = loadSpecFromString(`openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200": { description: x, content: { application/json: { schema: { $ref: "nope.yaml#/X" } } } }
        "201": { description: x, content: { application/json: { schema: { $ref: "https://example.com/s.json" } } } }
`, '/tmp/inline.yaml');
    expect(spec.problems.map((p) => [p.code, p.line])).toEqual([['dangling-ref', 7], ['remote-ref', 8]]);
  });

  it('refuses a YAML file that is not OpenAPI with a SpecError naming the file', async () => {
    const err = await loadSpec(fixture('not-openapi.yaml')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecError);
    expect((err as SpecError).message).toContain('not-openapi.yaml');
    expect((err as SpecError).message).toContain('no "openapi" or "swagger" version field');
  });

  it('refuses an unsupported version, pointing at its line', () => {
    expect(() => loadSpecFromString('info: {}\nopenapi: 4.0.0\n', 'v4.yaml')).toThrow(/v4\.yaml:2: unsupported OpenAPI version "4\.0\.0"/);
  });

  it('refuses text that does not parse, with its line', () => {
    expect(() => loadSpecFromString('openapi: 3.0.0\npaths:\n  /a: [\n', 'bad.yaml')).toThrow(SpecError);
    expect(() => loadSpecFromString('{\n  "openapi": "3.0.0",\n  "paths": {,}\n}', 'bad.json')).toThrow(/bad\.json:3: not valid JSON/);
    expect(() => loadSpecFromString('- just\n- a list\n', 'list.yaml')).toThrow(/top level is not a mapping/);
  });

  it('refuses a missing file with a SpecError', async () => {
    await expect(loadSpec(fixture('absent.yaml'))).rejects.toThrow(/absent\.yaml: file does not exist/);
  });

  it('locates pointers in JSON documents', () => {
    const text = '{\n  "openapi": "3.0.0",\n  "info": {"title": "t", "version": "1"},\n  "paths": {\n    "/a": {\n      "get": {"responses": {}}\n    }\n  }\n}';
    const spec = loadSpecFromString(text, 'x.json');
    expect(spec.locate('/paths/~1a/get')).toEqual({ file: 'x.json', line: 6, column: 7 });
    expect(spec.locate('/info/version')?.line).toBe(3);
    expect(spec.locate('/nope')).toBeUndefined();
  });
});
