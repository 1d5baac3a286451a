import type { Operation, SchemaObject } from '../openapi/types.js';

/**
 * The field paths a spec declares for an operation's JSON request body and responses, in the
 * same notation the shape walk records (`owner.email`, `items[].id`). A free-form object
 * (no `properties`, or `additionalProperties` allowed) declares everything under it: such
 * prefixes are kept as wildcards so their contents are never called drift.
 */
export interface DeclaredFields {
  readonly fields: Set<string>;
  readonly open: Set<string>;
}

const MAX_DEPTH = 12;

export function declaredFields(schema: SchemaObject | undefined): DeclaredFields {
  const out: DeclaredFields = { fields: new Set(), open: new Set() };
  if (schema === undefined) { out.open.add(''); return out; }
  walk(schema, '', out, 0, new Set());
  return out;
}

function walk(schema: SchemaObject, path: string, out: DeclaredFields, depth: number, stack: Set<object>): void {
  if (depth > MAX_DEPTH || stack.has(schema)) return;
  stack.add(schema);
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const s of list) if (isSchema(s)) walk(s, path, out, depth + 1, stack);
  }
  const props = schema.properties;
  if (isSchema(props)) {
    for (const [name, sub] of Object.entries(props)) {
      const p = path === '' ? name : `${path}.${name}`;
      out.fields.add(p);
      if (isSchema(sub)) walk(sub, p, out, depth + 1, stack);
    }
  }
  const items = schema.items;
  if (isSchema(items)) {
    const p = `${path}[]`;
    out.fields.add(p);
    walk(items, p, out, depth + 1, stack);
  }
  const type = schema.type;
  const objectLike = type === 'object' || (Array.isArray(type) && type.includes('object')) || (type === undefined && !isSchema(items));
  const additional = schema.additionalProperties;
  const freeForm = !isSchema(props) && schema.allOf === undefined && schema.oneOf === undefined && schema.anyOf === undefined;
  if (objectLike && (freeForm || additional === true || isSchema(additional))) out.open.add(path);
  stack.delete(schema);
}

function isSchema(v: unknown): v is SchemaObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when `field` is declared, or lies under a free-form object. */
export function isDeclared(field: string, declared: DeclaredFields): boolean {
  if (declared.fields.has(field) || declared.open.has('')) return true;
  for (const prefix of prefixes(field)) if (declared.open.has(prefix)) return true;
  return false;
}

/** `a.b[].c` -> `a`, `a.b`, `a.b[]` (strict ancestors). */
export function prefixes(field: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    if (c === '.' || (c === '[' && i > 0)) out.push(field.slice(0, i));
    else if (c === ']') out.push(field.slice(0, i + 1));
  }
  return out.filter((p, i) => p !== field && out.indexOf(p) === i);
}

export function requestSchema(op: Operation): SchemaObject | undefined {
  const content = op.requestBody?.content;
  if (content === undefined) return undefined;
  return jsonSchemaOf(content);
}

export function responseSchema(op: Operation, status: string): SchemaObject | undefined {
  const r = op.responses[status] ?? op.responses[`${status.charAt(0)}XX`] ?? op.responses.default;
  return r === undefined ? undefined : jsonSchemaOf(r.content);
}

function jsonSchemaOf(content: Readonly<Record<string, { readonly schema: SchemaObject | undefined }>>): SchemaObject | undefined {
  for (const [type, media] of Object.entries(content)) {
    const t = type.toLowerCase();
    if (t === 'application/json' || t.endsWith('+json') || t === '*/*' || t === 'application/*') return media.schema;
  }
  return undefined;
}

/** Whether a response status is declared at all (so an undeclared one is not reported field by field). */
export function declaresStatus(op: Operation, status: string): boolean {
  return op.responses[status] !== undefined || op.responses[`${status.charAt(0)}XX`] !== undefined || op.responses.default !== undefined;
}
