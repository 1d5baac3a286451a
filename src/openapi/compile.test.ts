import { describe, expect, it } from 'vitest';
import type { LoadedSpec, Operation } from './types.js';
import type { CompileOptions, OperationValidators } from './validator-types.js';
import { loadSpec, loadSpecFromString } from './load.js';
import { createSchemaCompiler } from './compile.js';
import { fixture } from './testing/fixtures.js';

const STRICT: CompileOptions = { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true };
const LAX: CompileOptions = { unknownFields: 'allow', unknownQuery: 'allow', rejectReadOnly: false };

function compiled(spec: LoadedSpec, id: string, options: CompileOptions = STRICT): OperationValidators {
  const op = spec.operations.find((o: Operation) => o.id === id);
  if (op === undefined) throw new Error(`no operation ${id}`);
  return createSchemaCompiler(spec, options).compileOperation(op);
}

const v3 = await loadSpec(fixture('petstore-v3.yaml'));
const v2 = await loadSpec(fixture('petstore-v2.yaml'));
const v31 = await loadSpec(fixture('museum-v31.yaml'));

describe('request bodies (OpenAPI 3.0)', () => {
  const create = compiled(v3, 'createPet');
  const body = create.body('application/json; charset=utf-8');
  const pet = { name: 'Rex', kind: 'dog' };

  it('accepts a valid body and refuses a wrong type without echoing the value', () => {
    expect(body?.validate(pet)).toBeUndefined();
    const issues = body?.validate({ ...pet, name: 12345 });
    expect(issues).toEqual([{ in: 'body', pointer: '/name', keyword: 'type', message: 'must be string' }]);
    expect(JSON.stringify(issues)).not.toContain('12345');
  });

  it('refuses a property the contract does not declare (mass assignment) and allows it when configured', () => {
    expect(body?.validate({ ...pet, isAdmin: true })).toEqual([{ in: 'body', pointer: '/isAdmin', keyword: 'unknownField', message: 'is not declared by the contract' }]);
    expect(compiled(v3, 'createPet', LAX).body('application/json')?.validate({ ...pet, isAdmin: true })).toBeUndefined();
  });

  it('keeps free-form maps open (additionalProperties schema) while checking their values', () => {
    expect(body?.validate({ ...pet, labels: { anything: 'x' } })).toBeUndefined();
    expect(body?.validate({ ...pet, labels: { anything: 1 } })?.[0]).toMatchObject({ pointer: '/labels/anything', keyword: 'type' });
  });

  it('refuses unknown fields through allOf, while fields declared by any allOf branch pass', () => {
    const owner = { name: 'Ann', email: 'ann@example.com' };
    expect(body?.validate({ ...pet, owner })).toBeUndefined();
    expect(body?.validate({ ...pet, owner: { ...owner, role: 'admin' } })?.[0]).toMatchObject({ pointer: '/owner/role', keyword: 'unknownField' });
    const patch = compiled(v3, 'updatePet').body('application/merge-patch+json');
    expect(patch?.validate({ name: 'a', nickname: 'b' })).toBeUndefined();
    expect(patch?.validate({ name: 'a', admin: true })?.[0]).toMatchObject({ pointer: '/admin', keyword: 'unknownField' });
  });

  it('refuses readOnly properties in requests, and does not require them', () => {
    expect(body?.validate({ ...pet, id: 7 })).toEqual([{ in: 'body', pointer: '/id', keyword: 'readOnly', message: 'is read-only and may not be sent' }]);
    expect(compiled(v3, 'createPet', { ...STRICT, rejectReadOnly: false }).body('application/json')?.validate({ ...pet, id: 7 })).toBeUndefined();
  });

  it('applies nullable and boolean exclusiveMinimum (3.0 semantics)', () => {
    expect(body?.validate({ ...pet, nickname: null })).toBeUndefined();
    expect(body?.validate({ ...pet, name: null })?.[0]).toMatchObject({ pointer: '/name', keyword: 'type' });
    expect(body?.validate({ ...pet, weight: 0.1 })).toBeUndefined();
    expect(body?.validate({ ...pet, weight: 0 })?.[0]).toMatchObject({ pointer: '/weight', keyword: 'exclusiveMinimum', message: 'must be > 0' });
  });

  it('selects the oneOf branch by discriminator and rejects fields of the other branch', () => {
    expect(body?.validate({ ...pet, details: { petType: 'cat', meows: true } })).toBeUndefined();
    expect(body?.validate({ ...pet, details: { petType: 'dog', barks: 3 } })).toBeUndefined();
    expect(body?.validate({ ...pet, details: { petType: 'cat', barks: 3 } })?.[0]).toMatchObject({ pointer: '/details/barks', keyword: 'unknownField' });
    expect(body?.validate({ ...pet, details: { petType: 'cow' } })?.[0]).toMatchObject({ pointer: '/details/petType', keyword: 'enum' });
  });

  it('validates recursive schemas', () => {
    const put = compiled(v3, 'replaceCategories').body('application/json');
    expect(put?.validate({ name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }] })).toBeUndefined();
    expect(put?.validate({ name: 'a', children: [{ name: 'b', children: [{ name: 3 }] }] })?.[0]).toMatchObject({ pointer: '/children/0/children/0/name' });
    expect(put?.validate({ children: [{ parent: { bogus: 1 } }] })?.[0]).toMatchObject({ pointer: '/children/0/parent/bogus', keyword: 'unknownField' });
  });

  it('picks validators by media type and answers undefined for an undeclared one', () => {
    expect(create.hasBody).toBe(true);
    expect(create.bodyRequired).toBe(true);
    expect(create.bodyMediaTypes).toEqual(['application/json']);
    expect(create.body('text/plain')).toBeUndefined();
    expect(create.body('Application/JSON')?.kind).toBe('json');
    expect(compiled(v3, 'getPet').hasBody).toBe(false);
  });
});

describe('Swagger 2.0 and OpenAPI 3.1 semantics', () => {
  it('applies x-nullable and boolean exclusive bounds in 2.0 bodies', () => {
    const body = compiled(v2, 'createPet').body('application/json');
    expect(body?.validate({ name: 'a', tag: null, age: 1 })).toBeUndefined();
    expect(body?.validate({ name: 'a', age: 0 })?.[0]).toMatchObject({ keyword: 'exclusiveMinimum' });
    expect(body?.validate({ name: 'a', age: 2 ** 31 })?.[0]).toMatchObject({ keyword: 'format' });
  });

  it('coerces 2.0 form fields and validates them', () => {
    const upload = compiled(v2, 'uploadPhoto');
    const form = upload.body('multipart/form-data; boundary=x');
    expect(form?.kind).toBe('multipart');
    expect(form?.validate({ rating: '5', file: 'bytes' })).toBeUndefined();
    expect(form?.validate({ rating: 'five', file: 'bytes' })?.[0]).toMatchObject({ pointer: '/rating', keyword: 'type' });
    expect(form?.validate({ rating: '5' })?.[0]).toMatchObject({ pointer: '/file', keyword: 'required' });
    const login = compiled(v2, 'login').body('application/x-www-form-urlencoded');
    expect(login?.kind).toBe('form');
    expect(login?.validate({ user: 'ann', remember: 'true' })).toBeUndefined();
    expect(login?.validate({ user: 'ann', remember: 'yes' })?.[0]).toMatchObject({ pointer: '/remember', keyword: 'type' });
    // A repeated field is one value to one parser and another to the next: refused.
    expect(login?.validate({ user: ['ann', 'root'], remember: 'true' })?.[0]).toMatchObject({ pointer: '/user', keyword: 'repeated' });
    expect(login?.validate({ user: 'ann', extra: ['1', '2'] })?.[0]).toMatchObject({ pointer: '/extra', keyword: 'repeated' });
  });

  it('applies 3.1 type arrays, numeric exclusiveMinimum, const and $ref siblings', () => {
    const body = compiled(v31, 'createEvent').body('application/json');
    const event = { name: null, price: 1, kind: 'event' };
    expect(body?.validate(event)).toBeUndefined();
    expect(body?.validate({ ...event, price: 0 })?.[0]).toMatchObject({ pointer: '/price', keyword: 'exclusiveMinimum' });
    expect(body?.validate({ ...event, kind: 'other' })?.[0]).toMatchObject({ pointer: '/kind', keyword: 'const' });
    expect(body?.validate({ ...event, location: { country: 'FR' } })?.[0]).toMatchObject({ pointer: '/location/city', keyword: 'required' });
    expect(body?.validate({ ...event, location: { city: 'Paris', planet: 'Earth' } })?.[0]).toMatchObject({ pointer: '/location/planet', keyword: 'unknownField' });
    expect(body?.validate({ ...event, tags: ['a', 1, 2] })).toBeUndefined();
    expect(body?.validate({ ...event, tags: ['a', 'b'] })?.[0]).toMatchObject({ pointer: '/tags/1', keyword: 'type' });
  });
});

describe('responses', () => {
  it('finds the validator by exact status, then range, then default', () => {
    const list = compiled(v3, 'listPets');
    expect(list.response(200, 'application/json')?.kind).toBe('json');
    expect(list.response(404, 'application/problem+json')).toBeDefined();
    expect(list.response(500, 'application/json')).toBeUndefined();
    expect(list.declaresStatus(200)).toBe(true);
    expect(list.declaresStatus(418)).toBe(true);
    expect(list.declaresStatus(503)).toBe(false);
    const create = compiled(v3, 'createPet');
    expect(create.response(503, 'application/json')).toBeDefined();
  });

  it('does not require writeOnly properties in responses and validates types', () => {
    const get = compiled(v3, 'getPet').response(200, 'application/json');
    expect(get?.validate({ id: 1, name: 'Rex', kind: 'dog' })).toBeUndefined();
    expect(get?.validate({ id: 'one', name: 'Rex', kind: 'dog' })?.[0]).toMatchObject({ pointer: '/id', keyword: 'type' });
  });

  it('strips undeclared properties through allOf, oneOf, maps and arrays, in place', () => {
    const list = compiled(v3, 'listPets').response(200, 'application/json');
    const value = [{
      id: 1, name: 'Rex', kind: 'dog', secret: 'x',
      owner: { name: 'Ann', email: 'a@x', passwordHash: 'h' },
      details: { petType: 'cat', meows: true, barks: 1, internal: 1 },
      labels: { free: 'form' },
    }];
    expect(list?.strip(value)).toBe(3);
    expect(value).toEqual([{
      id: 1, name: 'Rex', kind: 'dog', owner: { name: 'Ann', email: 'a@x' },
      details: { petType: 'cat', meows: true, barks: 1 }, labels: { free: 'form' },
    }]);
  });

  it('strips through recursive schemas', () => {
    const tree = compiled(v3, 'listCategories').response(200, 'application/json');
    const value = { name: 'a', x: 1, children: [{ name: 'b', y: 2, children: [{ name: 'c', z: 3 }] }], parent: { name: 'p', w: 4 } };
    expect(tree?.strip(value)).toBe(4);
    expect(value).toEqual({ name: 'a', children: [{ name: 'b', children: [{ name: 'c' }] }], parent: { name: 'p' } });
  });

  it('compiles response validators on first use when asked to', () => {
    const compiler = createSchemaCompiler(v3, STRICT, { lazyResponses: true });
    const get = compiler.compileOperation(v3.operations.find((o) => o.id === 'getPet') as Operation).response(200, 'application/json');
    expect(get?.validate({ id: 'one', name: 'Rex', kind: 'dog' })?.[0]).toMatchObject({ keyword: 'type' });
  });
});

describe('robustness of schema compilation', () => {
  it('reports keywords it cannot enforce as errors and unknown formats as warnings, and still builds validators for tools that only read', () => {
    const spec = loadSpecFromString(`openapi: 3.0.0
info: {title: t, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: true
              properties:
                a: { type: string, format: made-up-format }
                b: { type: string, pattern: "(?i)^abc(" }
                c: { type: strng }
      responses: {}
`, 'odd.yaml');
    const compiler = createSchemaCompiler(spec, STRICT);
    const body = compiler.compileOperation(spec.operations[0] as Operation).body('application/json');
    expect(body?.validate({ a: 'x', b: 'y', c: 1 })).toBeUndefined();
    expect(compiler.problems.map((p) => [p.severity, p.code, p.line])).toEqual([
      ['warning', 'unknown-format', 13], ['error', 'schema-invalid-pattern', 14], ['error', 'schema-invalid-type', 15],
    ]);
  });

  it('loads and compiles a chain of 1,500 schemas each referring to the next without exhausting the stack', () => {
    const n = 1500;
    const schemas: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      schemas[`S${i}`] = { type: 'object', properties: { next: i + 1 < n ? { $ref: `#/components/schemas/S${i + 1}` } : { type: 'string' } } };
    }
    const media = { 'application/json': { schema: { $ref: '#/components/schemas/S0' } } };
    const doc = { openapi: '3.0.0', info: { title: 't', version: '1' }, paths: { '/a': { post: { requestBody: { content: media }, responses: { 200: { description: 'x', content: media } } } } }, components: { schemas } };
    const spec = loadSpecFromString(JSON.stringify(doc), 'chain.json');
    const ops = createSchemaCompiler(spec, STRICT).compileOperation(spec.operations[0] as Operation);
    expect(ops.body('application/json')?.validate({ next: { next: { next: {} } } })).toBeUndefined();
    expect(ops.body('application/json')?.validate({ next: { next: { extra: 1 } } })?.[0]).toMatchObject({ pointer: '/next/next/extra', keyword: 'unknownField' });
    const value = { next: { next: { extra: 1 } } };
    expect(ops.response(200, 'application/json')?.strip(value)).toBe(1);
  });
});
