import { describe, expect, it } from 'vitest';
import type { Operation } from './types.js';
import type { CompileOptions, RawParameters } from './validator-types.js';
import { loadSpec, loadSpecFromString } from './load.js';
import { createSchemaCompiler } from './compile.js';
import { fixture } from './testing/fixtures.js';

const STRICT: CompileOptions = { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true };
const v3 = await loadSpec(fixture('petstore-v3.yaml'));
const v2 = await loadSpec(fixture('petstore-v2.yaml'));

function params(spec: typeof v3, id: string, options: CompileOptions = STRICT): (raw: Partial<RawParameters>) => ReturnType<ReturnType<ReturnType<typeof createSchemaCompiler>['compileOperation']>['parameters']> {
  const op = spec.operations.find((o: Operation) => o.id === id) as Operation;
  const validators = createSchemaCompiler(spec, options).compileOperation(op);
  return (raw) => validators.parameters({ path: {}, query: {}, headers: {}, cookies: {}, ...raw });
}

const HEADERS = { 'x-request-id': '6f1c3b8e-8a44-4c7e-9d2b-1f0f6b4f3a11' };

describe('parameters: coercion and validation', () => {
  const list = params(v3, 'listPets');

  it('coerces integers and refuses what is not one, naming the parameter', () => {
    expect(list({ headers: HEADERS, query: { limit: '10' } })).toMatchObject({ issues: undefined, values: { query: { limit: 10 } } });
    expect(list({ headers: HEADERS, query: { limit: 'ten' } }).issues).toEqual([{ in: 'query', name: 'limit', pointer: '', keyword: 'type', message: 'must be integer' }]);
    expect(list({ headers: HEADERS, query: { limit: '0' } }).issues?.[0]).toMatchObject({ name: 'limit', keyword: 'exclusiveMinimum' });
  });

  it('splits arrays per style: form (comma), spaceDelimited, pipeDelimited', () => {
    const r = list({ headers: HEADERS, query: { tags: 'a,b', ids: '1 2 3', kinds: 'x|y' } });
    expect(r.issues).toBeUndefined();
    expect(r.values.query).toEqual({ tags: ['a', 'b'], ids: [1, 2, 3], kinds: ['x', 'y'] });
    expect(list({ headers: HEADERS, query: { ids: '1 two' } }).issues?.[0]).toMatchObject({ name: 'ids', pointer: '/1', keyword: 'type' });
  });

  it('reads deepObject query parameters', () => {
    const r = list({ headers: HEADERS, query: { 'filter[status]': 'sold', 'filter[minAge]': '2' } });
    expect(r.issues).toBeUndefined();
    expect(r.values.query.filter).toEqual({ status: 'sold', minAge: 2 });
    expect(list({ headers: HEADERS, query: { 'filter[status]': 'stolen' } }).issues?.[0]).toMatchObject({ name: 'filter', pointer: '/status', keyword: 'enum' });
    expect(list({ headers: HEADERS, query: { 'filter[__proto__]': 'x' } }).issues?.[0]).toMatchObject({ name: 'filter', keyword: 'style' });
  });

  it('reads exploded form objects from their property keys', () => {
    const r = list({ headers: HEADERS, query: { lat: '48.8', lng: '2.3' } });
    expect(r.issues).toBeUndefined();
    expect(r.values.query.point).toEqual({ lat: 48.8, lng: 2.3 });
  });

  it('refuses a repeated property key of an exploded form object: parsers keep the first or the last', () => {
    expect(list({ headers: HEADERS, query: { lat: ['48.8', '1'], lng: '2.3' } }).issues?.[0]).toMatchObject({ name: 'point', keyword: 'style' });
  });

  it('refuses a repeated scalar query parameter and accepts a repeated exploded array', () => {
    expect(list({ headers: HEADERS, query: { limit: ['10', '99'] } }).issues?.[0]).toMatchObject({ name: 'limit', keyword: 'style', message: 'must be given once' });
  });

  it('refuses undeclared query parameters when configured, and allows them otherwise', () => {
    expect(list({ headers: HEADERS, query: { debug: '1' } }).issues).toEqual([{ in: 'query', name: 'debug', pointer: '', keyword: 'unknownField', message: 'is not a declared query parameter' }]);
    expect(params(v3, 'listPets', { ...STRICT, unknownQuery: 'allow' })({ headers: HEADERS, query: { debug: '1' } }).issues).toBeUndefined();
  });

  it('requires required parameters and validates header formats; header names are case-insensitive', () => {
    expect(list({}).issues).toEqual([{ in: 'header', name: 'X-Request-Id', pointer: '', keyword: 'required', message: 'is required' }]);
    expect(list({ headers: { 'x-request-id': 'nope' } }).issues?.[0]).toMatchObject({ in: 'header', keyword: 'format' });
    expect(list({ headers: HEADERS }).values.header).toEqual({ 'X-Request-Id': HEADERS['x-request-id'] });
  });

  it('refuses a repeated scalar parameter (parameter pollution) but accepts repeats for arrays', () => {
    expect(list({ headers: HEADERS, query: { limit: ['1', '2'] } }).issues?.[0]).toMatchObject({ name: 'limit', keyword: 'style' });
    const v2list = params(v2, 'listPets');
    const r = v2list({ query: { status: ['available', 'sold'], tags: 'a,b', ids: '1|2' } });
    expect(r.issues).toBeUndefined();
    expect(r.values.query).toEqual({ status: ['available', 'sold'], tags: ['a', 'b'], ids: [1, 2] });
    expect(v2list({ query: { status: 'lost' } }).issues?.[0]).toMatchObject({ name: 'status', pointer: '/0', keyword: 'enum' });
    expect(v2list({ query: { limit: '100' } }).issues?.[0]).toMatchObject({ name: 'limit', keyword: 'exclusiveMaximum' });
  });

  it('coerces path parameters, including simple-style arrays', () => {
    const file = params(v3, 'getPetFile');
    const r = file({ path: { petId: '7', name: 'x', coords: '1.5,2' } });
    expect(r.issues).toBeUndefined();
    expect(r.values.path).toEqual({ petId: 7, name: 'x', coords: [1.5, 2] });
    expect(file({ path: { petId: '7x', name: 'x', coords: '1' } }).issues?.[0]).toMatchObject({ in: 'path', name: 'petId', keyword: 'type' });
    expect(params(v2, 'getPet')({ path: { petId: '0' } }).issues?.[0]).toMatchObject({ name: 'petId', keyword: 'minimum' });
  });

  it('reads cookies', () => {
    expect(list({ headers: HEADERS, cookies: { session: 'abc' } }).values.cookie).toEqual({ session: 'abc' });
  });
});

describe('parameters: media-type content and reserved headers', () => {
  const spec = loadSpecFromString(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /search:
    get:
      operationId: search
      parameters:
        - name: where
          in: query
          content: { application/json: { schema: { type: object, properties: { near: { type: string } }, required: [near] } } }
        - { name: Authorization, in: header, required: true, schema: { type: string, enum: [never] } }
      responses: {}
`, 'content.yaml');
  const search = params(spec, 'search');

  it('parses a JSON-encoded query parameter and validates it against its schema', () => {
    expect(search({ query: { where: '{"near":"Paris"}' } })).toEqual({ issues: undefined, values: { path: {}, query: { where: { near: 'Paris' } }, header: {}, cookie: {} } });
    expect(search({ query: { where: '{"near":"x","far":1}' } }).issues?.[0]).toMatchObject({ name: 'where', keyword: 'unknownField', pointer: '/far' });
    expect(search({ query: { where: '{oops' } }).issues?.[0]).toMatchObject({ name: 'where', keyword: 'style', message: 'must be valid application/json' });
  });

  it('ignores a declared Authorization header parameter (security schemes own it)', () => {
    expect(search({ query: { where: '{"near":"x"}' } }).issues).toBeUndefined();
    expect(search({ query: { where: '{"near":"x"}' }, headers: { authorization: 'Bearer x' } }).issues).toBeUndefined();
  });

  it('caps the echoed name of an undeclared query parameter', () => {
    const issues = search({ query: { where: '{"near":"x"}', ['k'.repeat(500)]: '1' } }).issues;
    expect(issues?.[0]?.name).toBe(`${'k'.repeat(64)}…`);
  });
});
