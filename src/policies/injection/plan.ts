import type { DetectContext } from '../../detect/index.js';
import type { SchemaObject } from '../../openapi/types.js';

/**
 * What to scan in a value, compiled from its schema at load time (the "list of
 * (location, name/pointer, detector set)", as a tree that mirrors the body):
 * - `skip`: the contract pins the value down (number, boolean, enum, const, uuid, date, pattern)
 *   and the contract policy enforces it, so it is validated, not scanned;
 * - `value`: a free string, scanned with the detectors that fit its kind (`url` adds SSRF);
 * - `object` / `array`: walk declared members with their own plans; undeclared members get `any`;
 * - `any`: no usable schema (or one too dynamic to follow: oneOf, anyOf): scan every string and key.
 */
export type Plan =
  | { readonly t: 'skip' }
  | { readonly t: 'value'; readonly ctx: DetectContext }
  | { readonly t: 'object'; readonly props: ReadonlyMap<string, Plan>; readonly rest: Plan; readonly ctx: DetectContext }
  | { readonly t: 'array'; readonly items: Plan }
  | { readonly t: 'any'; readonly ctx: DetectContext };

/** Formats whose validation leaves no room for an injection payload. */
const PINNED_FORMATS = new Set([
  'uuid', 'date', 'date-time', 'time', 'duration', 'ipv4', 'ipv6', 'int32', 'int64', 'float', 'double', 'byte',
]);
/** Formats of URLs: the value will be fetched or followed by someone, so SSRF matters. */
const URL_FORMATS = new Set(['uri', 'url', 'uri-reference', 'iri', 'iri-reference', 'uri-template']);
/** Names that say "URL" when the spec gives no format (callbackUrl, webhook, redirect_uri...). */
const URL_NAME = /(url|uri|href|link|callback|webhook|redirect|endpoint)$/i;
const SCALAR = new Set(['integer', 'number', 'boolean', 'null']);
/** Patterns that constrain nothing. */
const OPEN_PATTERN = /^\^?(\.\*|\.\+|\[\\s\\S\]\*)\$?$/;

export interface PlanOptions {
  /** True when the contract policy enforces schemas: only then is a pinned value safe to skip. */
  readonly trustContract: boolean;
  /** The detectors in use (all categories minus the ignored ones); undefined for all. */
  readonly categories: DetectContext['categories'];
  /** Paranoia level; 1 when absent. */
  readonly level?: DetectContext['level'];
  /** The values arrive in a URL or a header, where a line break can only be sent encoded. */
  readonly encodedNewlines?: boolean;
}

function types(schema: SchemaObject): string[] {
  const t = schema.type;
  return typeof t === 'string' ? [t] : Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** True when validation alone guarantees the value holds no free text. */
export function isPinned(schema: SchemaObject): boolean {
  if (Array.isArray(schema.enum) || 'const' in schema) return true;
  const t = types(schema);
  if (t.length > 0 && t.every((x) => SCALAR.has(x))) return true;
  if (typeof schema.format === 'string' && PINNED_FORMATS.has(schema.format)) return true;
  if (typeof schema.pattern === 'string' && !OPEN_PATTERN.test(schema.pattern)) return true;
  return false;
}

function kindFor(schema: SchemaObject | undefined, name: string): NonNullable<DetectContext['kind']> {
  if (typeof schema?.format === 'string' && URL_FORMATS.has(schema.format)) return 'url';
  return URL_NAME.test(name) ? 'url' : 'generic';
}

export function compilePlan(schema: SchemaObject | undefined, name: string, options: PlanOptions): Plan {
  const memo = new Map<SchemaObject, Plan>();
  const base: DetectContext = {
    ...(options.categories === undefined ? {} : { categories: options.categories }),
    ...(options.level === undefined || options.level === 1 ? {} : { level: options.level }),
    ...(options.encodedNewlines === true ? { encodedNewlines: true } : {}),
  };
  const any: Plan = { t: 'any', ctx: base };
  const valueCtx = (s: SchemaObject | undefined, n: string): DetectContext => ({ ...base, kind: kindFor(s, n) });

  function compile(s: SchemaObject | undefined, n: string, depth: number): Plan {
    if (s === undefined || typeof s !== 'object' || depth > 32) return any;
    const seen = memo.get(s);
    // A recursive schema (a tree of comments) is a cycle in the dereferenced graph: scan fully below it.
    if (seen !== undefined) return seen;
    memo.set(s, any);
    const plan = build(s, n, depth);
    memo.set(s, plan);
    return plan;
  }

  function build(s: SchemaObject, n: string, depth: number): Plan {
    if (options.trustContract && isPinned(s)) return { t: 'skip' };
    if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf) || '$ref' in s || 'not' in s) return any;
    const parts = Array.isArray(s.allOf) ? [s, ...(s.allOf as SchemaObject[])] : [s];
    const t = parts.flatMap(types);
    const props = new Map<string, Plan>();
    let objectLike = false;
    let restSchema: SchemaObject | undefined;
    for (const part of parts) {
      if (part.properties !== null && typeof part.properties === 'object') {
        objectLike = true;
        for (const [key, child] of Object.entries(part.properties as Record<string, SchemaObject>)) {
          if (!props.has(key)) props.set(key, compile(child, key, depth + 1));
        }
      }
      if (part.additionalProperties !== null && typeof part.additionalProperties === 'object') restSchema = part.additionalProperties as SchemaObject;
    }
    if (objectLike || t.includes('object')) {
      return { t: 'object', props, rest: restSchema === undefined ? any : compile(restSchema, n, depth + 1), ctx: base };
    }
    if (t.includes('array') || s.items !== undefined) {
      const items = s.items !== null && typeof s.items === 'object' && !Array.isArray(s.items) ? compile(s.items as SchemaObject, n, depth + 1) : any;
      return { t: 'array', items };
    }
    if (t.length === 1 && t[0] === 'string') return { t: 'value', ctx: valueCtx(s, n) };
    return any;
  }

  return compile(schema, name, 0);
}
