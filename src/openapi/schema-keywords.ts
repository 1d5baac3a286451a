import { isObject } from './pointer.js';

/**
 * The scalar validation keywords of a schema (type, enum, const, bounds, lengths, pattern,
 * format), translated to what Ajv2020 compiles. A keyword that is present but malformed (a
 * regular expression JavaScript cannot compile, a type that is not a JSON type, a bound that is
 * not a number) cannot be enforced: it is reported as an error, because dropping it would let
 * through every value it was written to refuse. What the OpenAPI and JSON Schema texts allow is
 * enforced, including the corner cases JSON Schema only says SHOULD about (`enum: []` matches
 * no value). Unknown formats are reported (a warning: the format registry is open-ended) and
 * not enforced.
 */

export type Dialect = '3.0' | '3.1';

export interface KeywordReport {
  /** A keyword that cannot be enforced: the schema must not be used as written. */
  error(code: string, message: string, key?: string): void;
  /** An unknown format: not enforced. */
  unknownFormat(format: string): void;
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object', 'null']);
const NUMBER_KEYS = ['minimum', 'maximum'] as const;
const COUNT_KEYS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains'] as const;

/** `s` is a schema that accepts no value at all (`enum: []`, an empty `anyOf`). */
export const NOTHING: unique symbol = Symbol('nothing');

export class KeywordTranslator {
  readonly #knownFormats: ReadonlySet<string>;
  readonly #regexOk = new Map<string, boolean>();

  constructor(knownFormats: ReadonlySet<string>) {
    this.#knownFormats = knownFormats;
  }

  /**
   * Copies the scalar keywords of `s` into `out`. Returns NOTHING when the keywords admit no
   * value (the caller makes the whole schema `false`).
   */
  translate(s: Record<string, unknown>, out: Record<string, unknown>, dialect: Dialect, report: KeywordReport): typeof NOTHING | undefined {
    let nothing = false;
    // OpenAPI 3.0 `nullable` / Swagger `x-nullable` is expressed as a "null" type.
    const nullable = dialect === '3.0' && (s.nullable === true || s['x-nullable'] === true);
    const types = this.#types(s.type, report);
    // An empty type list admits no value (2020-12 §6.1.1: the instance must be one of the types).
    if (types !== undefined && types.length === 0) nothing = true;
    if (types !== undefined) {
      if (nullable && types.length > 0 && !types.includes('null')) types.push('null');
      if (types.length === 1) out.type = types[0];
      else if (types.length > 1) out.type = types;
    }
    if (s.enum !== undefined) {
      if (!Array.isArray(s.enum)) report.error('schema-invalid-keyword', `enum must be a list of values, found ${kind(s.enum)}`, 'enum');
      else if (s.enum.length === 0 && !nullable) nothing = true; // JSON Schema: SHOULD have one element; empty matches nothing
      else out.enum = nullable && !s.enum.includes(null) ? [...s.enum, null] : s.enum;
    }
    // `const` is a 3.1 keyword, but a 3.0 document that uses it means it: enforced in both (the
    // injection guard trusts a constant not to carry a payload, so it must be validated).
    if (Object.hasOwn(s, 'const')) out.const = s.const;

    for (const key of NUMBER_KEYS) this.#number(s, key, out, report);
    if (s.multipleOf !== undefined) {
      if (typeof s.multipleOf === 'number' && s.multipleOf > 0) out.multipleOf = s.multipleOf;
      else report.error('schema-invalid-keyword', `multipleOf must be a number greater than 0, found ${kind(s.multipleOf)}`, 'multipleOf');
    }
    for (const [ex, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
      const v = s[ex];
      if (typeof v === 'number') {
        out[ex] = v;
      } else if (v === true && typeof s[bound] === 'number') {
        // draft-04 / OpenAPI 3.0: a boolean that makes the bound beside it exclusive.
        out[ex] = s[bound];
        delete out[bound];
      } else if (v !== undefined && typeof v !== 'boolean') {
        report.error('schema-invalid-keyword', `${ex} must be a number (or a boolean in OpenAPI 3.0), found ${kind(v)}`, ex);
      }
    }
    for (const key of COUNT_KEYS) {
      const v = s[key];
      if (v === undefined) continue;
      if (Number.isInteger(v) && (v as number) >= 0) out[key] = v;
      else report.error('schema-invalid-keyword', `${key} must be a whole number of at least 0, found ${kind(v)}`, key);
    }
    if (s.pattern !== undefined) {
      if (typeof s.pattern === 'string' && this.validRegex(s.pattern)) out.pattern = s.pattern;
      else report.error('schema-invalid-pattern', `pattern ${JSON.stringify(s.pattern)} is not a regular expression JavaScript can compile`, 'pattern');
    }
    if (typeof s.format === 'string') {
      if (this.#knownFormats.has(s.format)) out.format = s.format;
      else report.unknownFormat(s.format);
    }
    if (s.uniqueItems === true) out.uniqueItems = true;
    else if (s.uniqueItems !== undefined && s.uniqueItems !== false) report.error('schema-invalid-keyword', `uniqueItems must be true or false, found ${kind(s.uniqueItems)}`, 'uniqueItems');
    return nothing ? NOTHING : undefined;
  }

  #types(raw: unknown, report: KeywordReport): string[] | undefined {
    if (raw === undefined) return undefined;
    // Type lists are 3.1 (JSON Schema) syntax; a 3.0 document that uses one means it, so it is
    // enforced rather than dropped (dropping it would admit every type).
    const listed = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (listed === undefined || listed.some((t) => typeof t !== 'string')) {
      report.error('schema-invalid-type', `type must be a JSON type name or a list of them, found ${JSON.stringify(raw)}`, 'type');
      return undefined;
    }
    // Swagger 2.0 `type: file` (a form upload, or a binary response) has nothing to check in JSON.
    if (listed.length === 1 && listed[0] === 'file') return undefined;
    const unknown = listed.filter((t) => !JSON_TYPES.has(t as string));
    if (unknown.length > 0) {
      report.error('schema-invalid-type', `type ${unknown.map((t) => JSON.stringify(t)).join(', ')} is not a JSON Schema type (string, number, integer, boolean, array, object, null)`, 'type');
      return undefined;
    }
    return [...new Set(listed as string[])];
  }

  #number(s: Record<string, unknown>, key: string, out: Record<string, unknown>, report: KeywordReport): void {
    const v = s[key];
    if (v === undefined) return;
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
    else report.error('schema-invalid-keyword', `${key} must be a number, found ${kind(v)}`, key);
  }

  /** Whether JavaScript (as Ajv runs it: no `u` flag) compiles the expression; memoised. */
  validRegex(source: string): boolean {
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

/**
 * The properties an object requires, less those the view ignores (readOnly in requests).
 * `required: true` on a property is the draft-03 spelling still found in generated documents:
 * what it asks is clear, so the enclosing object requires that property.
 */
export function requiredOf(s: Record<string, unknown>, ignored: ReadonlySet<string>, error: KeywordReport['error']): string[] {
  const names: string[] = [];
  if (Array.isArray(s.required)) {
    for (const r of s.required) {
      if (typeof r === 'string') names.push(r);
      else error('schema-invalid-keyword', `required must list property names, found ${kind(r)}`, 'required');
    }
  } else if (s.required !== undefined && typeof s.required !== 'boolean') {
    error('schema-invalid-keyword', `required must be a list of property names, found ${kind(s.required)}`, 'required');
  }
  if (isObject(s.properties)) {
    for (const [name, p] of Object.entries(s.properties)) if (isObject(p) && p.required === true) names.push(name);
  }
  return [...new Set(names)].filter((r) => !ignored.has(r));
}

/** A short description of a JSON value's kind for messages (never the value of a long string). */
export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (isObject(v)) return 'an object';
  if (typeof v === 'string') return v.length <= 40 ? JSON.stringify(v) : 'a string';
  return String(v);
}
