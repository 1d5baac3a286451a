/**
 * JSON Schema -> fast-check arbitrary. Written here because no maintained library turns the
 * OpenAPI 3.0/3.1 dialects (nullable, readOnly, exclusive bounds in both forms) into fast-check 4
 * arbitraries; the ones that exist target draft-07 only and older fast-check.
 *
 * Schemas from the loader are dereferenced and may be cyclic: `depth` bounds the recursion and
 * past `maxDepth` only required properties are generated, and nothing past twice that.
 */
import fc from 'fast-check';
import type { SchemaObject } from '../openapi/index.js';

export interface ArbitraryOptions {
  /** `request` omits readOnly properties, `response` omits writeOnly ones. */
  readonly view: 'request' | 'response';
  /** Mix boundary values (min, max, min/max lengths, each enum member) into leaves. */
  readonly boundaries: boolean;
  readonly maxDepth: number;
}

const DEFAULTS: ArbitraryOptions = { view: 'request', boundaries: false, maxDepth: 4 };

export function schemaArbitrary(schema: SchemaObject | undefined, options: Partial<ArbitraryOptions> = {}): fc.Arbitrary<unknown> {
  return build(schema, { ...DEFAULTS, ...options }, 0);
}

function build(schema: SchemaObject | undefined, o: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  if (schema === undefined || typeof schema !== 'object') return fc.constantFrom('x', 1, true);
  if (depth > o.maxDepth * 2) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return fc.constantFrom(...(schema.enum as unknown[]));
  if (Array.isArray(schema.allOf)) return build(mergeAllOf(schema), o, depth);
  const alternatives = (Array.isArray(schema.oneOf) ? schema.oneOf : Array.isArray(schema.anyOf) ? schema.anyOf : undefined) as SchemaObject[] | undefined;
  if (alternatives !== undefined && alternatives.length > 0) {
    const { oneOf: _a, anyOf: _b, ...rest } = schema;
    return fc.oneof(...alternatives.map((alt) => build({ ...rest, ...alt }, o, depth + 1)));
  }
  const types = typesOf(schema);
  const nonNull = types.filter((t) => t !== 'null');
  const nullable = schema.nullable === true || types.includes('null');
  const chosen = nonNull.length === 0 ? (nullable ? [] : ['string']) : nonNull;
  const arbs = chosen.map((t) => byType(t, schema, o, depth));
  if (nullable) arbs.push(fc.constant(null));
  return arbs.length === 1 ? arbs[0] as fc.Arbitrary<unknown> : fc.oneof(...arbs);
}

/** The declared types, or the type the keywords imply when `type` is absent. */
export function typesOf(schema: SchemaObject): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type)) return schema.type.filter((t): t is string => typeof t === 'string');
  if (schema.properties !== undefined || schema.additionalProperties !== undefined) return ['object'];
  if (schema.items !== undefined) return ['array'];
  if (schema.minLength !== undefined || schema.maxLength !== undefined || schema.pattern !== undefined || schema.format !== undefined) return ['string'];
  if (schema.minimum !== undefined || schema.maximum !== undefined) return ['number'];
  return [];
}

/** allOf branches folded into one schema: properties and required merged, other keywords last wins. */
export function mergeAllOf(schema: SchemaObject, seen = new Set<object>()): SchemaObject {
  if (seen.has(schema)) return {};
  seen.add(schema);
  const { allOf, ...rest } = schema;
  let merged: SchemaObject = { ...rest };
  for (const part of (allOf as SchemaObject[] | undefined) ?? []) {
    const flat = Array.isArray(part.allOf) ? mergeAllOf(part, seen) : part;
    merged = {
      ...merged, ...flat,
      properties: { ...(merged.properties as object | undefined), ...(flat.properties as object | undefined) },
      required: [...new Set([...asStrings(merged.required), ...asStrings(flat.required)])],
    };
  }
  return merged;
}

function asStrings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Inclusive numeric bounds from minimum/maximum and both forms of exclusive bounds (3.0 boolean, 3.1 number). */
export function numericBounds(schema: SchemaObject, integer: boolean): { min: number | undefined; max: number | undefined } {
  const step = integer ? 1 : 1e-6;
  let min = num(schema.minimum);
  let max = num(schema.maximum);
  if (schema.exclusiveMinimum === true && min !== undefined) min += step;
  if (schema.exclusiveMaximum === true && max !== undefined) max -= step;
  const exMin = num(schema.exclusiveMinimum);
  const exMax = num(schema.exclusiveMaximum);
  if (exMin !== undefined) min = Math.max(min ?? -Infinity, exMin + step);
  if (exMax !== undefined) max = Math.min(max ?? Infinity, exMax - step);
  if (integer) {
    if (min !== undefined) min = Math.ceil(min);
    if (max !== undefined) max = Math.floor(max);
  }
  return { min, max };
}

function byType(type: string, s: SchemaObject, o: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'integer': return integerArb(s, o);
    case 'number': return numberArb(s, o);
    case 'boolean': return fc.boolean();
    case 'string': return stringArb(s, o);
    case 'array': return arrayArb(s, o, depth);
    case 'object': return objectArb(s, o, depth);
    default: return fc.constant(null);
  }
}

function withBoundaries<T>(arb: fc.Arbitrary<T>, edges: T[], o: ArbitraryOptions): fc.Arbitrary<T> {
  if (!o.boundaries || edges.length === 0) return arb;
  return fc.oneof({ arbitrary: fc.constantFrom(...edges), weight: 1 }, { arbitrary: arb, weight: 1 });
}

function integerArb(s: SchemaObject, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const { min, max } = numericBounds(s, true);
  const lo = Math.max(min ?? -1000, Number.MIN_SAFE_INTEGER);
  const hi = Math.min(max ?? Math.max(lo, 0) + 10_000, Number.MAX_SAFE_INTEGER);
  if (lo > hi) return fc.constant(lo);
  const multipleOf = num(s.multipleOf);
  if (multipleOf !== undefined && multipleOf > 0 && Number.isInteger(multipleOf)) {
    const k0 = Math.ceil(lo / multipleOf);
    const k1 = Math.floor(hi / multipleOf);
    return k0 > k1 ? fc.constant(lo) : fc.integer({ min: k0, max: k1 }).map((k) => k * multipleOf);
  }
  return withBoundaries(fc.integer({ min: lo, max: hi }), [lo, hi], o);
}

function numberArb(s: SchemaObject, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const { min, max } = numericBounds(s, false);
  const lo = min ?? -1e6;
  const hi = max ?? Math.max(lo, 0) + 1e6;
  if (lo > hi) return fc.constant(lo);
  const arb = fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
  return withBoundaries(arb, [lo, hi], o);
}

const WORD = /^[a-z][a-z0-9]{0,9}$/;

function formatArb(format: string): fc.Arbitrary<string> | undefined {
  switch (format) {
    // Plain-looking addresses: services often validate more strictly than RFC 5322 allows.
    case 'email': return fc.tuple(fc.stringMatching(WORD), fc.constantFrom('example.com', 'example.org')).map(([u, d]) => `${u}@${d}`);
    case 'uuid': return fc.uuid();
    case 'date': return fc.date({ min: new Date('1970-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'date-time': return fc.date({ min: new Date('1970-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString());
    case 'time': return fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`);
    case 'uri': case 'url': case 'uri-reference': case 'iri':
      return fc.stringMatching(WORD).map((p) => `https://example.com/${p}`);
    case 'hostname': return fc.stringMatching(WORD).map((h) => `${h}.example.com`);
    case 'ipv4': return fc.ipV4();
    case 'ipv6': return fc.ipV6();
    case 'byte': return fc.base64String({ minLength: 4, maxLength: 24 }).filter((b) => b.length % 4 === 0);
    case 'password': return fc.stringMatching(/^[A-Za-z0-9]{12,20}$/);
    default: return undefined;
  }
}

function stringArb(s: SchemaObject, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const minLength = num(s.minLength) ?? 0;
  const maxLength = num(s.maxLength);
  const fits = (v: string): boolean => v.length >= minLength && (maxLength === undefined || v.length <= maxLength);
  const fmt = typeof s.format === 'string' ? formatArb(s.format) : undefined;
  if (fmt !== undefined) return fmt.filter(fits);
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern, 'u')).filter(fits);
    } catch {
      // An unparseable pattern: fall through to a plain string; the audit reports the pattern.
    }
  }
  const hi = Math.max(minLength, Math.min(maxLength ?? minLength + 20, minLength + 20));
  const edges: string[] = [];
  if (o.boundaries) {
    edges.push('a'.repeat(minLength));
    if (maxLength !== undefined && maxLength <= 10_000) edges.push('z'.repeat(maxLength));
  }
  return withBoundaries(fc.string({ minLength, maxLength: hi }), edges, o);
}

function arrayArb(s: SchemaObject, o: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  const minItems = num(s.minItems) ?? 0;
  const maxItems = Math.max(minItems, Math.min(num(s.maxItems) ?? minItems + 3, minItems + (depth >= o.maxDepth ? 0 : 3)));
  const items = build(s.items as SchemaObject | undefined, o, depth + 1);
  if (s.uniqueItems === true) return fc.uniqueArray(items, { minLength: minItems, maxLength: maxItems, selector: (v) => JSON.stringify(v) });
  return fc.array(items, { minLength: minItems, maxLength: maxItems });
}

function objectArb(s: SchemaObject, o: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, SchemaObject>;
  const required = new Set(asStrings(s.required));
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, ps] of Object.entries(props)) {
    if (typeof ps !== 'object' || ps === null) continue;
    if (o.view === 'request' && ps.readOnly === true && !required.has(name)) continue;
    if (o.view === 'response' && ps.writeOnly === true && !required.has(name)) continue;
    // Past the depth bound only what is required is generated: it keeps cyclic schemas finite.
    if (depth >= o.maxDepth && !required.has(name)) continue;
    model[name] = build(ps, o, depth + 1);
  }
  const requiredKeys = Object.keys(model).filter((k) => required.has(k));
  const record = fc.record(model, { requiredKeys });
  const extra = s.additionalProperties;
  if (Object.keys(props).length === 0 && typeof extra === 'object' && extra !== null && depth < o.maxDepth) {
    return fc.dictionary(fc.stringMatching(WORD), build(extra as SchemaObject, o, depth + 1), { maxKeys: 2 });
  }
  return record;
}
