import type { Parameter } from './types.js';
import { isObject } from './pointer.js';

/**
 * Turns the strings of a request (path captures, query, headers, cookies) into the typed values
 * a parameter's schema describes, per OpenAPI 3 style/explode (RFC 6570 expansions) and the
 * `deepObject` query form. A value that cannot be coerced is left as a string, so the schema
 * validator reports the type error instead of this code guessing.
 */

type Shape = 'scalar' | 'array' | 'object';

export interface ParamCoercer {
  readonly shape: Shape;
  /** Query keys this parameter consumes besides its own name (exploded objects). */
  readonly extraKeys: ReadonlySet<string>;
  /** Deep-object parameters own every `name[...]` query key. */
  readonly deepPrefix: string | undefined;
  coerce(raw: string | readonly string[] | undefined, query?: Readonly<Record<string, string | string[]>>): { value: unknown } | { error: string } | undefined;
}

/** The JSON types a schema admits, looking through one level of anyOf/oneOf/allOf. */
function typesOf(schema: unknown, depth = 0): Set<string> {
  const out = new Set<string>();
  if (!isObject(schema) || depth > 4) return out;
  if (typeof schema.type === 'string') out.add(schema.type);
  else if (Array.isArray(schema.type)) for (const t of schema.type) out.add(String(t));
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const b of list) for (const t of typesOf(b, depth + 1)) out.add(t);
  }
  if (out.size === 0 && isObject(schema.properties)) out.add('object');
  if (out.size === 0 && schema.items !== undefined) out.add('array');
  return out;
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

export function coerceScalar(s: string, types: ReadonlySet<string>): unknown {
  if (types.size === 0 || types.has('string')) return s;
  if (types.has('integer') && INTEGER.test(s)) return Number(s);
  if (types.has('number') && NUMBER.test(s)) return Number(s);
  if (types.has('boolean') && (s === 'true' || s === 'false')) return s === 'true';
  if (types.has('null') && (s === '' || s === 'null')) return null;
  return s;
}

function propertyTypes(schema: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (s: unknown, depth: number): void => {
    if (!isObject(s) || depth > 4) return;
    if (isObject(s.properties)) for (const [k, v] of Object.entries(s.properties)) out.set(k, typesOf(v));
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key];
      if (Array.isArray(list)) for (const b of list) visit(b, depth + 1);
    }
  };
  visit(schema, 0);
  return out;
}

const DELIMITERS: Record<string, string> = { spaceDelimited: ' ', pipeDelimited: '|', tabDelimited: '\t' };

export function createCoercer(p: Parameter): ParamCoercer {
  const types = typesOf(p.schema);
  const shape: Shape = types.has('array') ? 'array' : types.has('object') && !types.has('string') ? 'object' : 'scalar';
  const itemTypes = shape === 'array' && isObject(p.schema) ? typesOf(p.schema.items) : new Set<string>();
  const props = shape === 'object' ? propertyTypes(p.schema) : new Map<string, Set<string>>();
  const style = p.style;
  const explodedForm = p.in === 'query' && p.explode && style === 'form' && shape === 'object';
  const deep = p.in === 'query' && style === 'deepObject';
  const delimiter = DELIMITERS[style] ?? ',';

  const items = (list: readonly string[]): unknown[] => list.map((s) => coerceScalar(s, itemTypes));
  const pairs = (list: readonly string[]): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    for (let i = 0; i + 1 < list.length; i += 2) {
      const k = list[i] as string;
      obj[k] = coerceScalar(list[i + 1] as string, props.get(k) ?? new Set());
    }
    return obj;
  };
  const keyValues = (list: readonly string[]): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    for (const kv of list) {
      const eq = kv.indexOf('=');
      if (eq > 0) obj[kv.slice(0, eq)] = coerceScalar(kv.slice(eq + 1), props.get(kv.slice(0, eq)) ?? new Set());
    }
    return obj;
  };

  /** Strips the RFC 6570 label (`.x`) and matrix (`;name=x`) prefixes from a path value. */
  const unprefix = (s: string): { body: string; sep: string } => {
    if (style === 'label') return { body: s.startsWith('.') ? s.slice(1) : s, sep: p.explode ? '.' : ',' };
    if (style === 'matrix') {
      const lead = `;${p.name}=`;
      if (p.explode && shape !== 'scalar') return { body: s.startsWith(';') ? s.slice(1) : s, sep: ';' };
      return { body: s.startsWith(lead) ? s.slice(lead.length) : s.replace(/^;/, ''), sep: ',' };
    }
    return { body: s, sep: ',' };
  };

  const coerceString = (s: string): unknown => {
    const { body, sep } = unprefix(s);
    if (shape === 'scalar') return coerceScalar(body, types);
    const parts = body === '' ? [] : body.split(p.in === 'query' || p.in === 'cookie' ? delimiter : sep);
    if (shape === 'array') {
      if (style === 'matrix' && p.explode) return items(parts.map((x) => x.replace(`${p.name}=`, '')));
      return items(parts);
    }
    return p.explode && p.in !== 'query' ? keyValues(parts) : pairs(parts);
  };

  if (p.contentType !== undefined) return contentCoercer(p.contentType);
  return {
    shape,
    extraKeys: explodedForm ? new Set(props.keys()) : new Set(),
    deepPrefix: deep ? `${p.name}[` : undefined,
    coerce(raw, query) {
      if (deep && query !== undefined) return deepObject(p.name, query, props);
      if (explodedForm && query !== undefined) {
        const obj: Record<string, unknown> = {};
        let any = false;
        for (const [k, t] of props) {
          const v = query[k];
          if (v === undefined) continue;
          // A repeated key is one value to some parsers and another to others: refused, as for
          // any parameter that is not an array.
          if (typeof v !== 'string') return { error: `"${k}" must be given once` };
          obj[k] = coerceScalar(v, t);
          any = true;
        }
        return any ? { value: obj } : undefined;
      }
      if (raw === undefined) return undefined;
      if (typeof raw !== 'string') {
        // A repeated key is an exploded array; for a single value it is parameter pollution.
        if (shape === 'array' && (p.in !== 'query' || p.explode || raw.length > 1)) return { value: items(raw) };
        if (raw.length === 1) return { value: coerceString(raw[0] as string) };
        return { error: 'must be given once' };
      }
      if (shape === 'array' && p.explode && p.in === 'query') return { value: items([raw]) };
      return { value: coerceString(raw) };
    },
  };
}

/** A parameter serialised as a media type: JSON is parsed, anything else is validated as text. */
function contentCoercer(contentType: string): ParamCoercer {
  const json = /json/i.test(contentType);
  return {
    shape: 'scalar',
    extraKeys: new Set(),
    deepPrefix: undefined,
    coerce(raw) {
      if (raw === undefined) return undefined;
      if (typeof raw !== 'string') {
        if (raw.length !== 1) return { error: 'must be given once' };
        raw = raw[0] as string;
      }
      if (!json) return { value: raw };
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch {
        return { error: `must be valid ${contentType}` };
      }
    },
  };
}

/** `filter[status]=open&filter[owner][id]=7` -> `{ status: 'open', owner: { id: '7' } }`. */
function deepObject(
  name: string, query: Readonly<Record<string, string | string[]>>, props: Map<string, Set<string>>,
): { value: unknown } | { error: string } | undefined {
  const prefix = `${name}[`;
  let found = false;
  const obj: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(query)) {
    if (!key.startsWith(prefix)) continue;
    const path = [...key.slice(name.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? '');
    if (path.length === 0) continue;
    if (path.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) return { error: 'has a forbidden key' };
    const raw = query[key];
    if (Array.isArray(raw) && raw.length > 1) return { error: 'must be given once per key' };
    const text = Array.isArray(raw) ? String(raw[0]) : String(raw);
    let node = obj;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i] as string;
      const next = node[k];
      if (next === null || typeof next !== 'object') node[k] = Object.create(null) as Record<string, unknown>;
      node = node[k] as Record<string, unknown>;
    }
    const last = path[path.length - 1] as string;
    node[last] = path.length === 1 ? coerceScalar(text, props.get(last) ?? new Set()) : text;
    found = true;
  }
  return found ? { value: { ...obj } } : undefined;
}
