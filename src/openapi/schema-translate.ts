import { escapeToken, isObject } from './pointer.js';
import { KeywordTranslator, NOTHING, kind, requiredOf, type Dialect, type KeywordReport } from './schema-keywords.js';

/**
 * Translates OpenAPI 2.0/3.0 schemas (and 3.1 ones, which are already JSON Schema 2020-12) into
 * the 2020-12 schemas Ajv2020 compiles, for one "view":
 *
 * - `request`: readOnly properties are not required (and refused when `rejectReadOnly`); with
 *   `close`, an object schema that declares properties and says nothing about extra ones gets
 *   `unevaluatedProperties: false` at the outermost level only, so properties declared by allOf/
 *   anyOf/oneOf branches still count (the mass-assignment defence that additionalProperties
 *   cannot give through allOf).
 * - `response`: writeOnly properties are not required; objects stay as written.
 *
 * Fail closed: a keyword that is present but cannot be enforced (a regular expression that does
 * not compile, a type that is not a JSON type, a subschema that is not a schema) is reported as
 * an error with its file and pointer, never silently dropped; the gateway refuses a spec with
 * such an error. (The keyword is left out of the translation, so tools that only read the spec,
 * such as the scanner, still get a validator.) `$ref` targets are not inlined: they are emitted
 * as `{ $ref: id }` and queued for registration as separate Ajv schemas, which is what makes
 * recursion finite and shared schemas compile once.
 */

export type { Dialect } from './schema-keywords.js';
export type View = 'request' | 'response';
type Position = 'closed' | 'open';

/** Where a schema is: its file (undefined: the spec's own) and JSON pointer. */
export interface Where {
  readonly file: string | undefined;
  readonly pointer: string;
}

export interface TranslateContext {
  readonly dialect: Dialect;
  readonly refTargets: WeakSet<object>;
  readonly knownFormats: ReadonlySet<string>;
  readonly rejectReadOnly: boolean;
  readonly close: boolean;
  /** Component name of a ref target (for implicit discriminator mappings). */
  readonly nameOf: (target: object) => string | undefined;
  /** Where a ref target came from. */
  readonly originOf: (target: object) => Where | undefined;
  readonly report: (severity: 'error' | 'warning', code: string, message: string, at: Where) => void;
}

/** Keywords of later JSON Schema drafts that Gatehouse does not evaluate: refusing beats ignoring. */
const UNSUPPORTED = ['$dynamicRef', '$recursiveRef'] as const;
/** Inline nesting this deep is not a schema anyone wrote by hand (shared schemas are refs, not nesting). */
const MAX_INLINE_DEPTH = 64;
export const READ_ONLY_KEYWORD = 'ghReadOnly';

interface Pending { id: string; schema: object; view: View; position: Position; at: Where }

export class SchemaTranslator {
  readonly #ctx: TranslateContext;
  readonly #keywords: KeywordTranslator;
  readonly #ids = new Map<string, WeakMap<object, string>>();
  readonly #declares = new WeakMap<object, boolean>();
  readonly #small = new Map<string, WeakMap<object, unknown>>();
  readonly #prefix: string;
  #next = 0;
  /** Ref targets met but not yet registered: drained by the compiler before each compile. */
  readonly pending: Pending[] = [];

  constructor(ctx: TranslateContext, prefix: string) {
    this.#ctx = ctx;
    this.#prefix = prefix;
    this.#keywords = new KeywordTranslator(ctx.knownFormats);
  }

  /** A top-level schema (body, parameter, response) in the given view. */
  root(schema: unknown, view: View, at: Where): unknown {
    return this.#node(schema, view, 'closed', 0, at);
  }

  /** The translation of a queued ref target itself (not a reference to it). */
  target(item: Pending): unknown {
    return this.#translate(item.schema as Record<string, unknown>, item.view, item.position, 0, item.at);
  }

  #variant(view: View, position: Position): string {
    return view === 'response' || !this.#ctx.close ? view : `${view}-${position}`;
  }

  #refTo(schema: object, view: View, position: Position, at: Where): { $ref: string } {
    const variant = this.#variant(view, position);
    let ids = this.#ids.get(variant);
    if (ids === undefined) {
      ids = new WeakMap();
      this.#ids.set(variant, ids);
    }
    let id = ids.get(schema);
    if (id === undefined) {
      id = `${this.#prefix}${this.#next++}`;
      ids.set(schema, id);
      this.pending.push({ id, schema, view, position, at: this.#ctx.originOf(schema) ?? at });
    }
    return { $ref: id };
  }

  /**
   * A small target with no references of its own (an enum, a formatted string) is cheaper
   * inlined than compiled as a separate function: no call, no per-function boilerplate.
   */
  #inlineSmall(schema: Record<string, unknown>, view: View, position: Position, depth: number, at: Where): unknown {
    const key = this.#variant(view, position);
    let memo = this.#small.get(key);
    if (memo === undefined) {
      memo = new WeakMap();
      this.#small.set(key, memo);
    }
    const known = memo.get(schema);
    if (known !== undefined) return known ?? undefined;
    memo.set(schema, null); // a cycle back here must take the reference path
    let result: unknown = null;
    if (!hasObjectChild(schema)) {
      const pending = this.pending.length;
      const out = this.#translate(schema, view, position, depth, this.#ctx.originOf(schema) ?? at);
      if (this.pending.length === pending && JSON.stringify(out).length <= 200) result = out;
    }
    memo.set(schema, result);
    return result ?? undefined;
  }

  #node(schema: unknown, view: View, position: Position, depth: number, at: Where): unknown {
    if (typeof schema === 'boolean') return schema;
    if (!isObject(schema)) {
      this.#ctx.report('error', 'schema-not-a-schema', `a schema must be an object or true/false, found ${kind(schema)}`, at);
      return {};
    }
    if (this.#ctx.refTargets.has(schema)) return this.#inlineSmall(schema, view, position, depth, at) ?? this.#refTo(schema, view, position, at);
    if (depth > MAX_INLINE_DEPTH) {
      this.#ctx.report('error', 'schema-too-deep', `schemas nested more than ${MAX_INLINE_DEPTH} levels deep inline are not compiled (use $ref for deep or recursive structures)`, at);
      return {};
    }
    return this.#translate(schema, view, position, depth, at);
  }

  #translate(s: Record<string, unknown>, view: View, position: Position, depth: number, at: Where): Record<string, unknown> {
    const ctx = this.#ctx;
    const out: Record<string, unknown> = {};
    const below = (...keys: (string | number)[]): Where => ({ file: at.file, pointer: at.pointer + keys.map((k) => `/${escapeToken(String(k))}`).join('') });
    const sub = (v: unknown, pos: Position, ...keys: (string | number)[]): unknown => this.#node(v, view, pos, depth + 1, below(...keys));
    const error = (code: string, message: string, key?: string): void => ctx.report('error', code, message, key === undefined ? at : below(key));
    const report: KeywordReport = {
      error,
      unknownFormat: (format) => ctx.report('warning', 'unknown-format', `format "${format}" is not known to Gatehouse and is not enforced`, below('format')),
    };
    const modern = ctx.dialect === '3.1';
    const list = (key: string): unknown[] | undefined => {
      const v = s[key];
      if (v === undefined) return undefined;
      if (Array.isArray(v)) return v;
      error('schema-invalid-keyword', `${key} must be a list of schemas, found ${kind(v)}`, key);
      return undefined;
    };
    const map = (key: string): Record<string, unknown> | undefined => {
      const v = s[key];
      if (v === undefined) return undefined;
      if (isObject(v)) return v;
      error('schema-invalid-keyword', `${key} must be a mapping, found ${kind(v)}`, key);
      return undefined;
    };

    let nothing = this.#keywords.translate(s, out, ctx.dialect, report) === NOTHING;
    for (const key of UNSUPPORTED) if (s[key] !== undefined) error('schema-unsupported-keyword', `${key} is not supported by Gatehouse's validator`, key);

    // arrays
    if (Array.isArray(s.items)) out.prefixItems = s.items.map((x, i) => sub(x, 'closed', 'items', i));
    else if (s.items !== undefined) out.items = sub(s.items, 'closed', 'items');
    if (modern) {
      const prefix = list('prefixItems');
      if (prefix !== undefined) out.prefixItems = prefix.map((x, i) => sub(x, 'closed', 'prefixItems', i));
      if (s.contains !== undefined) out.contains = sub(s.contains, 'open', 'contains');
      if (s.unevaluatedItems !== undefined) out.unevaluatedItems = sub(s.unevaluatedItems, 'closed', 'unevaluatedItems');
    }

    // objects
    const readOnly = new Set<string>();
    const properties = map('properties');
    if (properties !== undefined) {
      const props: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(properties)) {
        const ro = isObject(p) && p.readOnly === true;
        const wo = isObject(p) && p.writeOnly === true;
        if ((view === 'request' && ro) || (view === 'response' && wo)) readOnly.add(name);
        props[name] = view === 'request' && ro && ctx.rejectReadOnly ? { [READ_ONLY_KEYWORD]: true } : sub(p, 'closed', 'properties', name);
      }
      out.properties = props;
    }
    const required = requiredOf(s, readOnly, error);
    if (required.length > 0) out.required = required;
    if (typeof s.additionalProperties === 'boolean') out.additionalProperties = s.additionalProperties;
    else if (s.additionalProperties !== undefined) out.additionalProperties = sub(s.additionalProperties, 'closed', 'additionalProperties');
    const patternProperties = map('patternProperties');
    if (patternProperties !== undefined) {
      const pp: Record<string, unknown> = {};
      for (const [re, p] of Object.entries(patternProperties)) {
        if (this.#keywords.validRegex(re)) pp[re] = sub(p, 'closed', 'patternProperties', re);
        else ctx.report('error', 'schema-invalid-pattern', `patternProperties key ${JSON.stringify(re)} is not a regular expression JavaScript can compile`, below('patternProperties', re));
      }
      out.patternProperties = pp;
    }
    if (modern) {
      if (s.propertyNames !== undefined) out.propertyNames = sub(s.propertyNames, 'open', 'propertyNames');
      if (s.unevaluatedProperties !== undefined) out.unevaluatedProperties = sub(s.unevaluatedProperties, 'closed', 'unevaluatedProperties');
      const dependentRequired = map('dependentRequired');
      if (dependentRequired !== undefined) out.dependentRequired = dependentRequired;
      const dependentSchemas = map('dependentSchemas');
      if (dependentSchemas !== undefined) {
        out.dependentSchemas = Object.fromEntries(Object.entries(dependentSchemas).map(([k, v]) => [k, sub(v, 'open', 'dependentSchemas', k)]));
      }
      for (const key of ['if', 'then', 'else'] as const) if (s[key] !== undefined) out[key] = sub(s[key], 'open', key);
    }

    // composition: branches are "open" so the outer level sees every property they evaluate.
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const branches = list(key);
      if (branches === undefined) continue;
      // An empty anyOf/oneOf has no branch a value could match (an empty allOf asks nothing).
      if (branches.length === 0) nothing ||= key !== 'allOf';
      else out[key] = branches.map((b, i) => sub(b, 'open', key, i));
    }
    if (s.not !== undefined) out.not = sub(s.not, 'open', 'not');
    this.#discriminator(s, out, view, depth, at);

    if (view === 'request' && ctx.close && position === 'closed' && out.additionalProperties === undefined
      && out.unevaluatedProperties === undefined && out.patternProperties === undefined && this.#declaresProperties(s, new Set())) {
      out.unevaluatedProperties = false;
    }
    // A schema that admits no value: `false`, kept as an allOf member so the other keywords still translate.
    if (nothing) out.allOf = [...(Array.isArray(out.allOf) ? (out.allOf as unknown[]) : []), false];
    return out;
  }

  /**
   * A discriminator picks the branch by a property's value. Plain oneOf cannot express that when
   * branches overlap (each is open), so the choice becomes `if tag = v then branch` rules.
   */
  #discriminator(s: Record<string, unknown>, out: Record<string, unknown>, view: View, depth: number, at: Where): void {
    const d = s.discriminator;
    const branches = Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined;
    if (!isObject(d) || typeof d.propertyName !== 'string' || branches === undefined) return;
    const tag = d.propertyName;
    const byValue = new Map<string, object>();
    if (isObject(d.mapping)) {
      // Mapping values are refs or names; match them to the dereferenced branches by name.
      for (const [value, target] of Object.entries(d.mapping)) {
        const wanted = String(target).split('/').pop();
        const branch = branches.find((b) => isObject(b) && this.#ctx.nameOf(b) === wanted);
        if (isObject(branch)) byValue.set(value, branch);
      }
    }
    for (const b of branches) {
      const name = isObject(b) ? this.#ctx.nameOf(b) : undefined;
      if (name !== undefined && isObject(b) && ![...byValue.values()].includes(b)) byValue.set(name, b);
    }
    if (new Set(byValue.values()).size < new Set(branches).size) return; // a branch has no name: keep oneOf as written
    delete out.oneOf;
    delete out.anyOf;
    const rules = [...byValue].map(([value, branch]) => ({
      if: { properties: { [tag]: { const: value } }, required: [tag] },
      then: this.#node(branch, view, 'open', depth + 1, this.#ctx.originOf(branch) ?? at),
    }));
    out.required = [...new Set([...(Array.isArray(out.required) ? (out.required as string[]) : []), tag])];
    const allOf = Array.isArray(out.allOf) ? (out.allOf as unknown[]) : [];
    out.allOf = [...allOf, { properties: { [tag]: { enum: [...byValue.keys()] } } }, ...rules];
  }

  /** True when the schema or any composition branch (through refs, cycle-safe) lists properties. */
  #declaresProperties(s: Record<string, unknown>, seen: Set<object>): boolean {
    const known = this.#declares.get(s);
    if (known !== undefined) return known;
    if (seen.has(s)) return false;
    seen.add(s);
    let result = isObject(s.properties) && Object.keys(s.properties).length > 0;
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key];
      if (!result && Array.isArray(list)) result = list.some((b) => isObject(b) && this.#declaresProperties(b, seen));
    }
    this.#declares.set(s, result);
    return result;
  }
}

/** True when any keyword holds a subschema (an object, or an array of objects). */
function hasObjectChild(s: Record<string, unknown>): boolean {
  for (const [key, v] of Object.entries(s)) {
    if (key === 'enum' || key === 'const' || key === 'default' || key === 'example' || key.startsWith('x-')) continue;
    if (isObject(v) || (Array.isArray(v) && v.some(isObject))) return true;
  }
  return false;
}
