import { describe, expect, it } from 'vitest';
import { compileContract, type CompiledContract } from './contract.js';
import { loadSpecFromString } from './load.js';
import type { Operation } from './types.js';
import type { CompileOptions, OperationValidators } from './validator-types.js';

const STRICT: CompileOptions = { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true };
const FILE = '/specs/api.yaml';

function contract(yaml: string): CompiledContract {
  return compileContract(loadSpecFromString(yaml, FILE), STRICT);
}

/** A 3.0 document with one POST /things whose JSON body has the given schema (YAML, 12 spaces in). */
function withBody(schema: string, version = '3.0.3'): string {
  return `openapi: ${version}
info: { title: t, version: "1" }
paths:
  /things:
    post:
      operationId: createThing
      requestBody:
        content:
          application/json:
            schema:
${schema.split('\n').map((l) => `              ${l}`).join('\n')}
      responses: { "201": { description: created } }
`;
}

function validators(c: CompiledContract, id = 'createThing'): OperationValidators {
  const op = c.spec.operations.find((o: Operation) => o.id === id);
  const v = op === undefined ? undefined : c.validators.get(op);
  if (v === undefined) throw new Error(`no validators for ${id}`);
  return v;
}

describe('a contract that cannot be enforced is an error, with file, pointer and line', () => {
  it.each([
    ['a $ref that points to nothing', 'type: object\nproperties:\n  owner: { $ref: "#/components/schemas/Nope" }', 'dangling-ref', '/paths/~1things/post/requestBody/content/application~1json/schema/properties/owner', 13],
    ['a pattern JavaScript cannot compile', 'type: object\nproperties:\n  code: { type: string, pattern: "(?i)^abc" }', 'schema-invalid-pattern', '/paths/~1things/post/requestBody/content/application~1json/schema/properties/code/pattern', 13],
    ['a patternProperties key JavaScript cannot compile', 'type: object\npatternProperties:\n  "^x-(": { type: string }', 'schema-invalid-pattern', '/paths/~1things/post/requestBody/content/application~1json/schema/patternProperties/^x-(', 13],
    ['a type that is not a JSON type', 'type: object\nproperties:\n  n: { type: int }', 'schema-invalid-type', '/paths/~1things/post/requestBody/content/application~1json/schema/properties/n/type', 13],
    ['a subschema that is not a schema', 'type: object\nproperties:\n  n: string', 'schema-not-a-schema', '/paths/~1things/post/requestBody/content/application~1json/schema/properties/n', 13],
    ['a bound that is not a number', 'type: integer\nmaximum: "10"', 'schema-invalid-keyword', '/paths/~1things/post/requestBody/content/application~1json/schema/maximum', 12],
    ['a length that is not a whole number', 'type: string\nmaxLength: -1', 'schema-invalid-keyword', '/paths/~1things/post/requestBody/content/application~1json/schema/maxLength', 12],
    ['an enum that is not a list', 'type: string\nenum: red', 'schema-invalid-keyword', '/paths/~1things/post/requestBody/content/application~1json/schema/enum', 12],
    ['a multipleOf of zero', 'type: number\nmultipleOf: 0', 'schema-invalid-keyword', '/paths/~1things/post/requestBody/content/application~1json/schema/multipleOf', 12],
    ['properties that are not a mapping', 'type: object\nproperties: [a, b]', 'schema-invalid-keyword', '/paths/~1things/post/requestBody/content/application~1json/schema/properties', 12],
    ['allOf that is not a list', 'allOf: { type: object }', 'schema-invalid-keyword', '/paths/~1things/post/requestBody/content/application~1json/schema/allOf', 11],
  ])('%s', (_name, schema, code, pointer, line) => {
    const c = contract(withBody(schema));
    expect(c.errors).toContainEqual(expect.objectContaining({ severity: 'error', code, file: FILE, pointer, line }));
  });

  it('refuses a body schema that is not a schema, and a 3.1 $dynamicRef it does not evaluate', () => {
    const c = contract(`openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /things:
    post:
      requestBody:
        content:
          application/json: { schema: "object" }
          text/plain: { schema: { $dynamicRef: "#node" } }
      responses: {}
`);
    expect(c.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ['schema-not-a-schema', '/paths/~1things/post/requestBody/content/application~1json/schema', 8],
      ['schema-unsupported-keyword', '/paths/~1things/post/requestBody/content/text~1plain/schema/$dynamicRef', 9],
    ]);
  });

  it('refuses parameters the gateway cannot find or parse', () => {
    const c = contract(`openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /items/{id}:
    get:
      parameters:
        - { name: id, in: path, required: true, style: form, schema: { type: integer } }
        - { name: q, in: body, schema: { type: string } }
        - { in: query, schema: { type: string } }
        - { name: filter, in: query, content: { application/json: { schema: { type: object } }, text/plain: { schema: { type: string } } } }
        - { name: x-tag, in: header, style: deepObject, schema: { type: object } }
        - { name: ok, in: query, schema: { type: string } }
      responses: {}
`);
    expect(c.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ['parameter-invalid', '/paths/~1items~1{id}/get/parameters/2', 9],
      ['parameter-style', '/paths/~1items~1{id}/get/parameters/0/style', 7],
      ['parameter-location', '/paths/~1items~1{id}/get/parameters/1', 8],
      ['parameter-content', '/paths/~1items~1{id}/get/parameters/3/content', 10],
      ['parameter-style', '/paths/~1items~1{id}/get/parameters/4/style', 11],
    ]);
  });

  it('refuses Swagger 2.0 collection formats it cannot parse and a body parameter without a schema', () => {
    const c = contract(`swagger: "2.0"
info: { title: t, version: "1" }
paths:
  /items/{ids}:
    post:
      parameters:
        - { name: ids, in: path, required: true, type: array, items: { type: integer }, collectionFormat: ssv }
        - { name: tags, in: query, type: array, items: { type: string }, collectionFormat: semicolons }
        - { name: body, in: body }
      responses: { "200": { description: ok } }
`);
    expect(c.errors.map((e) => [e.code, e.pointer])).toEqual([
      ['parameter-style', '/paths/~1items~1{ids}/post/parameters/0/collectionFormat'],
      ['parameter-style', '/paths/~1items~1{ids}/post/parameters/1/collectionFormat'],
      ['schema-not-a-schema', '/paths/~1items~1{ids}/post/parameters/2/schema'],
    ]);
  });

  it('refuses security written in a shape that would read as no requirement (a public operation)', () => {
    const c = contract(`openapi: 3.0.3
info: { title: t, version: "1" }
security: { bearer: [] }
paths:
  /a:
    get:
      security: [bearer]
      responses: {}
  /b:
    get:
      responses: {}
components: { securitySchemes: { bearer: { type: http, scheme: bearer } } }
`);
    expect(c.errors.map((e) => [e.code, e.pointer, e.line])).toEqual([
      ['security-invalid', '/security', 3],
      ['security-invalid', '/paths/~1a/get/security/0', 7],
    ]);
  });

  it('refuses two operations the router cannot tell apart when their contracts differ', () => {
    const c = contract(`openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /things/{id}:
    get: { operationId: byId, parameters: [{ name: id, in: path, required: true, schema: { type: integer } }], responses: {} }
  /things/{slug}:
    get: { operationId: bySlug, parameters: [{ name: slug, in: path, required: true, schema: { type: string } }], responses: {} }
`);
    expect(c.errors).toEqual([expect.objectContaining({ code: 'route-conflict', pointer: '/paths/~1things~1{slug}', line: 6 })]);
    expect(c.errors[0]?.message).toContain('byId');
  });

  it('only warns about a duplicate route that declares the same contract, and names the operation it reaches', () => {
    const op = '{ parameters: [{ name: id, in: path, required: true, schema: { type: integer } }], responses: {} }';
    const c = contract(`openapi: 3.0.3
info: { title: t, version: "1" }
paths:
  /things/{id}:
    delete: ${op}
  /things/{thingId}/:
    delete: ${op.replace('name: id', 'name: thingId')}
`);
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([expect.objectContaining({ code: 'route-duplicate', pointer: '/paths/~1things~1{thingId}~1' })]);
    const [first, second] = c.spec.operations;
    expect(c.shadowed.get(second as Operation)).toBe(first);
  });
});

describe('what the OpenAPI text allows loads, and is enforced as written', () => {
  it('makes an empty enum match no value (JSON Schema only says SHOULD be non-empty)', () => {
    const c = contract(withBody('type: object\nproperties:\n  level: { type: string, enum: [] }', '3.1.0'));
    expect(c.errors).toEqual([]);
    const body = validators(c).body('application/json');
    expect(body?.validate({ level: 'anything' })).toBeDefined();
    expect(body?.validate({ level: '' })).toBeDefined();
    expect(body?.validate({})).toBeUndefined();
  });

  it('reports each unknown format once, naming it and where it is first used, and does not enforce it', () => {
    const c = contract(withBody('type: object\nproperties:\n  a: { type: string, format: phone }\n  b: { type: string, format: phone }\n  c: { type: string, format: email }'));
    expect(c.errors).toEqual([]);
    expect(c.warnings).toEqual([expect.objectContaining({
      severity: 'warning', code: 'unknown-format', file: FILE, line: 13,
      pointer: '/paths/~1things/post/requestBody/content/application~1json/schema/properties/a/format',
    })]);
    expect(c.warnings[0]?.message).toContain('"phone"');
    const body = validators(c).body('application/json');
    expect(body?.validate({ a: 'any text at all', c: 'a@example.com' })).toBeUndefined();
    expect(body?.validate({ c: 'not an email' })?.[0]).toMatchObject({ keyword: 'format', pointer: '/c' });
  });

  it('enforces a 3.0 document\'s const and type list rather than dropping them', () => {
    const c = contract(withBody('type: object\nproperties:\n  kind: { const: thing }\n  n: { type: [integer, "null"] }'));
    expect(c.errors).toEqual([]);
    const body = validators(c).body('application/json');
    expect(body?.validate({ kind: 'thing', n: null })).toBeUndefined();
    expect(body?.validate({ kind: 'other' })?.[0]).toMatchObject({ keyword: 'const', pointer: '/kind' });
    expect(body?.validate({ n: 'one' })?.[0]).toMatchObject({ keyword: 'type', pointer: '/n' });
  });

  it('reads the draft-03 `required: true` on a property as the object requiring it', () => {
    const c = contract(withBody('type: object\nproperties:\n  name: { type: string, required: true }\n  note: { type: string, required: false }'));
    expect(c.errors).toEqual([]);
    const body = validators(c).body('application/json');
    expect(body?.validate({ note: 'x' })?.[0]).toMatchObject({ keyword: 'required', pointer: '/name' });
    expect(body?.validate({ name: 'x' })).toBeUndefined();
  });

  it('makes a false parameter schema refuse every value, and an empty anyOf or type list match nothing', () => {
    const c = contract(`openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /things:
    get:
      operationId: list
      parameters:
        - { name: legacy, in: query, schema: false }
        - { name: mode, in: query, schema: { anyOf: [] } }
        - { name: kind, in: query, schema: { type: [] } }
      responses: {}
`);
    expect(c.errors).toEqual([]);
    const params = validators(c, 'list').parameters;
    const run = (query: Record<string, string>) => params({ path: {}, query, headers: {}, cookies: {} }).issues;
    expect(run({})).toBeUndefined();
    expect(run({ legacy: '1' })?.[0]).toMatchObject({ name: 'legacy' });
    expect(run({ mode: 'fast' })?.[0]).toMatchObject({ name: 'mode' });
    expect(run({ kind: 'x' })?.[0]).toMatchObject({ name: 'kind' });
  });
});
