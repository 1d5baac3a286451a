import { Ajv } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schemaArbitrary } from './arbitrary.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: FormatsPlugin }).default ?? addFormatsModule) as FormatsPlugin;
const ajv = addFormats(new Ajv({ strict: false }));

function validates(schema: Record<string, unknown>, options = {}): void {
  const validate = ajv.compile(schema);
  for (const value of fc.sample(schemaArbitrary(schema, options), { seed: 42, numRuns: 200 })) {
    if (!validate(value)) throw new Error(`${JSON.stringify(value)} violates ${JSON.stringify(schema)}: ${ajv.errorsText(validate.errors)}`);
  }
}

describe('schemaArbitrary', () => {
  it('generates values valid against type, bounds, enum and const', () => {
    validates({ type: 'integer', minimum: 3, maximum: 9 });
    validates({ type: 'integer', exclusiveMinimum: 0, multipleOf: 5, maximum: 100 });
    validates({ type: 'number', minimum: -1.5, maximum: 2.5 });
    validates({ type: 'string', minLength: 2, maxLength: 5 });
    validates({ enum: ['a', 'b', 3] });
    validates({ const: 'fixed' });
    validates({ type: 'boolean' });
  });

  it('generates the formats services check: email, uuid, date, date-time, uri, ipv4', () => {
    for (const format of ['email', 'uuid', 'date', 'date-time', 'uri', 'ipv4']) validates({ type: 'string', format });
  });

  it('generates strings matching a pattern within length bounds', () => {
    validates({ type: 'string', pattern: '^[A-Z0-9-]{3,20}$', maxLength: 10 });
  });

  it('generates objects with required properties, arrays and additionalProperties', () => {
    validates({
      type: 'object', required: ['id', 'tags'], additionalProperties: false,
      properties: { id: { type: 'integer' }, tags: { type: 'array', minItems: 1, maxItems: 3, uniqueItems: true, items: { type: 'string' } }, note: { type: 'string', nullable: true } },
    });
    validates({ type: 'object', additionalProperties: { type: 'integer' } });
  });

  it('combines allOf, oneOf and anyOf and honours nullable in both dialects', () => {
    validates({ allOf: [{ type: 'object', required: ['a'], properties: { a: { type: 'string' } } }, { type: 'object', required: ['b'], properties: { b: { type: 'integer' } } }] });
    validates({ oneOf: [{ type: 'string', maxLength: 3 }, { type: 'integer', minimum: 10 }] });
    validates({ anyOf: [{ type: 'boolean' }, { type: 'null' }] });
    validates({ type: ['string', 'null'], maxLength: 4 });
  });

  it('mixes boundary values in when asked', () => {
    const values = fc.sample(schemaArbitrary({ type: 'integer', minimum: 5, maximum: 1000 }, { boundaries: true }), { seed: 1, numRuns: 100 });
    expect(values).toContain(5);
    expect(values).toContain(1000);
  });

  it('terminates on a cyclic schema and keeps required links', () => {
    const node: Record<string, unknown> = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
    (node.properties as Record<string, unknown>).children = { type: 'array', items: node };
    (node.properties as Record<string, unknown>).parent = node;
    const values = fc.sample(schemaArbitrary(node), { seed: 3, numRuns: 50 });
    expect(values).toHaveLength(50);
    for (const v of values) expect(typeof (v as { name: unknown }).name).toBe('string');
  });

  it('leaves readOnly properties out of requests', () => {
    const schema = { type: 'object', properties: { id: { type: 'integer', readOnly: true }, name: { type: 'string' } } };
    for (const v of fc.sample(schemaArbitrary(schema), { seed: 5, numRuns: 50 })) expect(v).not.toHaveProperty('id');
  });
});
