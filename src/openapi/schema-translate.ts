import { isObject } from './pointer.js';

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
 * Only known keywords are copied; malformed ones (a bad regex, `required: true`, a type that is
 * not a JSON type) are dropped and reported, so one sloppy schema never stops a spec compiling.
 * `$ref` targets are not inlined: they are emitted as `{ $ref: id }` and queued for registration
 * as separate Ajv schemas, which is what makes recursion finite and shared schemas compile once.
 */

export type Dialect = '3.0' | '3.1';
export type View = 'request' | 'response';
type Position = 'closed' | 'open';

export interface TranslateContext {
  readonly dialect: Dialect;
  readonly refTargets: WeakSet<object>;
  readonly knownFormats: ReadonlySet<string>;
  readonly rejectReadOnly: boolean;
  readonly close: boolean;
  /** Component name of a ref target (for implicit discriminator mappings). */
  readonly nameOf: (target: object) => string | undefined;
  readonly warn: (message: string) => void;
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
const NUMBER_KEYS = ['minimum', 'maximum', 'multipleOf'] as const;
const COUNT_KEYS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains'] as const;
export const READ_ONLY_KEYWORD = 'ghReadOnly';

export class SchemaTranslator {
  readonly #ctx: TranslateContext;
  readonly #ids = new Map<string, WeakMap<object, string>>();
  readonly #declares = new WeakMap<object, boolean>();
  readonly #regexOk = new Map<string, boolean>();
  readonly #small = new Map<string, WeakMap<object, unknown>>();
  readonly #prefix: string;
  #next = 0;
  /** Ref targets met but not yet registered: drained by the compiler before each compile. */
  readonly pending: { id: string; schema: object; view: View; position: Position }[] = [];

  constructor(ctx: TranslateContext, prefix: string) {
    this.#ctx = ctx;
    this.#prefix = prefix;
  }

  /** A top-level schema (body, parameter, response) in the given view. */
  root(schema: unknown, view: View): unknown {
    return this.#node(schema, view, 'closed', 0);
  }

  /** The translation of a queued ref target itself (not a reference to it). */
  target(item: { schema: object; view: View; position: Position }): unknown {
    return this.#translate(item.schema as Record<string, unknown>, item.view, item.position, 0);
  }

  #variant(view: View, position: Position): string {
    return view === 'response' || !this.#ctx.close ? view : `${view}-${position}`;
  }

  #refTo(schema: object, view: View, position: Position): { $ref: string } {
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
      this.pending.push({ id, schema, view, position });
    }
    return { $ref: id };
  }

  /**
   * A small target with no references of its own (an enum, a formatted string) is cheaper
   * inlined than compiled as a separate function: no call, no per-function boilerplate.
   */
  #inlineSmall(schema: Record<string, unknown>, view: View, position: Position, depth: number): unknown {
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
      const out = this.#translate(schema, view, position, depth);
      if (this.pending.length === pending && JSON.stringify(out).length <= 200) result = out;
    }
    memo.set(schema, result);
    return result ?? undefined;
  }

  #node(schema: unknown, view: View, position: Position, depth: number): unknown {
    if (typeof schema === 'boolean') return schema;
    if (!isObject(schema)) return {};
    if (this.#ctx.refTargets.has(schema)) return this.#inlineSmall(schema, view, position, depth) ?? this.#refTo(schema, view, position);
    if (depth > 64) return {}; // inline nesting this deep is not a schema anyone wrote by hand
    return this.#translate(schema, view, position, depth);
  }

  #translate(s: Record<string, unknown>, view: View, position: Position, depth: number): Record<string, unknown> {
    const ctx = this.#ctx;
    const out: Record<string, unknown> = {};
    const sub = (v: unknown, pos: Position): unknown => this.#node(v, view, pos, depth + 1);
    const legacy = ctx.dialect === '3.0';

    // type, with OpenAPI 3.0 `nullable` / Swagger `x-nullable` expressed as a "null" type.
    const nullable = legacy && (s.nullable === true || s['x-nullable'] === true);
    let types: string[] | undefined;
    if (typeof s.type === 'string') types = [s.type];
    else if (Array.isArray(s.type) && !legacy) types = s.type.filter((t): t is string => typeof t === 'string');
    if (types !== undefined) {
      const valid = types.filter((t) => JSON_TYPES.has(t)); // draft-04 (Swagger 2.0) has a null type too
      if (valid.length !== types.length && !(types.length === 1 && types[0] === 'file')) {
        ctx.warn(`schema type ${JSON.stringify(s.type)} is not a JSON Schema type; ignored`);
      }
      if (nullable && valid.length > 0) valid.push('null');
      if (valid.length === 1) out.type = valid[0];
      else if (valid.length > 1) out.type = valid;
    }
    if (Array.isArray(s.enum)) out.enum = nullable && !s.enum.includes(null) ? [...s.enum, null] : s.enum;
    if (Object.hasOwn(s, 'const') && !legacy) out.const = s.const;

    for (const key of NUMBER_KEYS) if (typeof s[key] === 'number') out[key] = s[key];
    if (typeof out.multipleOf === 'number' && out.multipleOf <= 0) delete out.multipleOf;
    for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      const v = s[ex];
      if (typeof v === 'number') out[ex] = v;
      else if (v === true && typeof s[bound] === 'number') {
        // draft-04 / OpenAPI 3.0: a boolean that makes the bound beside it exclusive.
        out[ex] = s[bound];
        delete out[bound];
      }
    }
    for (const key of COUNT_KEYS) if (Number.isInteger(s[key]) && (s[key] as number) >= 0) out[key] = s[key];
    if (typeof s.pattern === 'string') {
      if (this.#validRegex(s.pattern)) out.pattern = s.pattern;
      else ctx.warn(`pattern ${JSON.stringify(s.pattern)} is not a valid regular expression; ignored`);
    }
    if (typeof s.format === 'string' && ctx.knownFormats.has(s.format)) out.format = s.format;
    if (s.uniqueItems === true) out.uniqueItems = true;

    // arrays
    if (Array.isArray(s.items)) out.prefixItems = s.items.map((x) => sub(x, 'closed'));
    else if (s.items !== undefined) out.items = sub(s.items, 'closed');
    if (!legacy) {
      if (Array.isArray(s.prefixItems)) out.prefixItems = s.prefixItems.map((x) => sub(x, 'closed'));
      if (s.contains !== undefined) out.contains = sub(s.contains, 'open');
      if (s.unevaluatedItems !== undefined) out.unevaluatedItems = sub(s.unevaluatedItems, 'closed');
    }

    // objects
    const readOnly = new Set<string>();
    if (isObject(s.properties)) {
      const props: Record<string, unknown> = {};
      for (const [name, p] of Object.entries(s.properties)) {
        const ro = isObject(p) && p.readOnly === true;
        const wo = isObject(p) && p.writeOnly === true;
        if ((view === 'request' && ro) || (view === 'response' && wo)) readOnly.add(name);
        props[name] = view === 'request' && ro && ctx.rejectReadOnly ? { [READ_ONLY_KEYWORD]: true } : sub(p, 'closed');
      }
      out.properties = props;
    }
    if (Array.isArray(s.required)) {
      const req = s.required.filter((r): r is string => typeof r === 'string' && !readOnly.has(r));
      if (req.length > 0) out.required = req;
    }
    if (typeof s.additionalProperties === 'boolean') out.additionalProperties = s.additionalProperties;
    else if (isObject(s.additionalProperties)) out.additionalProperties = sub(s.additionalProperties, 'closed');
    if (isObject(s.patternProperties)) {
      const pp: Record<string, unknown> = {};
      for (const [re, p] of Object.entries(s.patternProperties)) if (this.#validRegex(re)) pp[re] = sub(p, 'closed');
      out.patternProperties = pp;
    }
    if (!legacy) {
      if (s.propertyNames !== undefined) out.propertyNames = sub(s.propertyNames, 'open');
      if (s.unevaluatedProperties !== undefined) out.unevaluatedProperties = sub(s.unevaluatedProperties, 'closed');
      if (isObject(s.dependentRequired)) out.dependentRequired = s.dependentRequired;
      if (isObject(s.dependentSchemas)) {
        out.dependentSchemas = Object.fromEntries(Object.entries(s.dependentSchemas).map(([k, v]) => [k, sub(v, 'open')]));
      }
      for (const key of ['if', 'then', 'else'] as const) if (s[key] !== undefined) out[key] = sub(s[key], 'open');
    }

    // composition: branches are "open" so the outer level sees every property they evaluate.
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[key];
      if (Array.isArray(list) && list.length > 0) out[key] = list.map((b) => sub(b, 'open'));
    }
    if (s.not !== undefined) out.not = sub(s.not, 'open');
    this.#discriminator(s, out, view, depth);

    if (view === 'request' && ctx.close && position === 'closed' && out.additionalProperties === undefined
      && out.unevaluatedProperties === undefined && out.patternProperties === undefined && this.#declaresProperties(s, new Set())) {
      out.unevaluatedProperties = false;
    }
    return out;
  }

  /**
   * A discriminator picks the branch by a property's value. Plain oneOf cannot express that when
   * branches overlap (each is open), so the choice becomes `if tag = v then branch` rules.
   */
  #discriminator(s: Record<string, unknown>, out: Record<string, unknown>, view: View, depth: number): void {
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
      then: this.#node(branch, view, 'open', depth + 1),
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

  #validRegex(source: string): boolean {
    let ok = this.#regexOk.get(source);
    if (ok === undefined) {
      try {
        new RegExp(source);
        ok = true;
      } catch {
        ok = false;
      }
      this.#regexOk.set(source, ok);
    }
    return ok;
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
