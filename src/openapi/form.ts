import { isObject } from './pointer.js';
import { coerceScalar } from './params.js';
import type { ValidationIssue } from './validator-types.js';

function typesOf(schema: unknown): Set<string> {
  const out = new Set<string>();
  if (!isObject(schema)) return out;
  if (typeof schema.type === 'string') out.add(schema.type);
  else if (Array.isArray(schema.type)) for (const t of schema.type) out.add(String(t));
  return out;
}

const cache = new WeakMap<object, Map<string, { types: Set<string>; items: Set<string> | undefined }>>();

function fieldsOf(schema: object): Map<string, { types: Set<string>; items: Set<string> | undefined }> {
  let fields = cache.get(schema);
  if (fields !== undefined) return fields;
  fields = new Map();
  const visit = (s: unknown, depth: number): void => {
    if (!isObject(s) || depth > 4) return;
    if (isObject(s.properties)) {
      for (const [name, p] of Object.entries(s.properties)) {
        const types = typesOf(p);
        fields?.set(name, { types, items: types.has('array') && isObject(p) ? typesOf(p.items) : undefined });
      }
    }
    if (Array.isArray(s.allOf)) for (const b of s.allOf) visit(b, depth + 1);
  };
  visit(schema, 0);
  cache.set(schema, fields);
  return fields;
}

/**
 * Form and multipart fields arrive as strings (or string arrays for repeated names); coerce
 * them by the property schemas so `age=7` validates against `type: integer`.
 */
function coerceFormFields(value: unknown, schema: object): unknown {
  if (!isObject(value)) return value;
  const fields = fieldsOf(schema);
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const field = fields.get(name);
    if (field === undefined) {
      out[name] = v;
    } else if (field.items !== undefined) {
      const list = Array.isArray(v) ? v : [v];
      out[name] = list.map((x) => (typeof x === 'string' ? coerceScalar(x, field.items ?? new Set()) : x));
    } else if (Array.isArray(v) && v.length === 1) {
      out[name] = typeof v[0] === 'string' ? coerceScalar(v[0], field.types) : v[0];
    } else {
      out[name] = typeof v === 'string' ? coerceScalar(v, field.types) : v;
    }
  }
  return out;
}

/**
 * Validates form fields: a field given more than once is refused unless its schema is an array.
 * Parsers disagree on a repeated scalar (`role=user&role=admin`: PHP and Express keep the last,
 * Java servlets and Go the first), so the gateway cannot know which one the upstream acts on.
 */
export function validateForm(
  value: unknown, schema: object, validate: (value: unknown) => readonly ValidationIssue[] | undefined,
): readonly ValidationIssue[] | undefined {
  if (isObject(value)) {
    const fields = fieldsOf(schema);
    for (const name of Object.keys(value)) {
      const v = value[name];
      if (!Array.isArray(v) || v.length < 2 || fields.get(name)?.items !== undefined) continue;
      const pointer = `/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      return [{ in: 'body', pointer: pointer.length > 200 ? '' : pointer, keyword: 'repeated', message: 'is given more than once; only an array field may repeat' }];
    }
  }
  return validate(coerceFormFields(value, schema));
}
